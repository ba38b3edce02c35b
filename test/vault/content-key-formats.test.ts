// Content-key wrapping v2 (src/vault/content-key-wrap.ts): any change to a
// wrapped key is caught by the blob's own tags, and objects sealed with the
// v1 wrapping (AES-GCM under the data key) stay readable.

import { randomBytes } from 'node:crypto';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { encodeHeader, NONCE_PREFIX_BYTES, sealChunk } from '../../src/vault/blob-format.ts';
import { ContentKeyWrapper, CONTENT_KEY_WRAP_V2 } from '../../src/vault/content-key-wrap.ts';
import { isVaultError, VaultErrorCode } from '../../src/vault/index.ts';
import { PracticeKeyring, wrapContentKeyV1 } from '../../src/vault/practice-keyring.ts';
import { newBlobRef } from '../../src/vault/local-blob-store.ts';
import { makeHarness, pattern, type Harness } from './harness.ts';

const P = 'prac_formats';
let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(async () => {
  await h.cleanup();
});

describe('content key wrapping', () => {
  it('v2 round-trips, and an altered wrapping yields an unrelated key', () => {
    const w = new ContentKeyWrapper(randomBytes(32));
    const key = randomBytes(32);
    const wrapped = w.wrap(key);
    expect(wrapped.length).toBe(33);
    expect(wrapped[0]).toBe(CONTENT_KEY_WRAP_V2);
    expect(w.unwrap(wrapped)).toEqual(key);
    const bad = Buffer.from(wrapped);
    bad[1]! ^= 0x01;
    const other = w.unwrap(bad)!;
    // The first half is a different random block; the second half is untouched.
    expect(other.subarray(0, 16).equals(key.subarray(0, 16))).toBe(false);
    expect(w.unwrap(wrapped.subarray(0, 32))).toBeUndefined();
    expect(new ContentKeyWrapper(randomBytes(32)).unwrap(wrapped)).not.toEqual(key);
  });

  it('new objects carry a v2 wrapping, and a flip of any bit of it is refused as tampered', async () => {
    const data = pattern(1000, 3);
    const rec = await h.vault.sealBytes({ practiceId: P, kind: 'text' }, data);
    const row = h.repos.objects.rows.get(rec.id)!;
    const wrapped = Buffer.from(row.wrappedContentKey!);
    expect(wrapped[0]).toBe(CONTENT_KEY_WRAP_V2);
    expect(await h.vault.openBytes({ practiceId: P, objectId: rec.id })).toEqual(data);
    for (let bit = 0; bit < wrapped.length * 8; bit++) {
      const bad = Buffer.from(wrapped);
      bad[bit >> 3]! ^= 1 << (bit & 7);
      row.wrappedContentKey = bad;
      const err = await h.vault.openBytes({ practiceId: P, objectId: rec.id }).then(
        () => undefined,
        (e: unknown) => e,
      );
      expect(isVaultError(err, VaultErrorCode.Tampered), `bit ${bit}`).toBe(true);
    }
  });

  it('reads objects sealed with the v1 wrapping (before v2 existed)', async () => {
    // The practice's data key, as the vault holds it.
    await h.vault.sealBytes({ practiceId: P, kind: 'text' }, Buffer.from('creates the data key'));
    const dataKey = await new PracticeKeyring(h.repos.dataKeys, h.provider, h.clock).forPractice(P);
    // An object exactly as v1 sealed it: GCM-wrapped content key, same blob format.
    const id = 'obj_v1_sealed';
    const contentKey = randomBytes(32);
    const noncePrefix = randomBytes(NONCE_PREFIX_BYTES);
    const data = pattern(3000, 9);
    const header = encodeHeader({ chunkSize: 1024, noncePrefix, keyId: dataKey.keyId, recordId: id });
    const frames = [header];
    for (let i = 0, off = 0; off < data.length; i++, off += 1024) {
      frames.push(sealChunk(contentKey, header, noncePrefix, i, off + 1024 >= data.length, data.subarray(off, off + 1024)));
    }
    const blobRef = newBlobRef();
    await h.store.put(blobRef, Buffer.concat(frames));
    const wrapped = wrapContentKeyV1(dataKey.key, P, id, dataKey.keyId, contentKey);
    expect(wrapped[0]).toBe(1);
    await h.repos.objects.insert({
      id,
      practiceId: P,
      kind: 'text',
      ownerUserId: null,
      dataKeyId: dataKey.keyId,
      wrappedContentKey: wrapped,
      blobRef,
      size: data.length,
      state: 'committed',
      createdAt: h.clock.now(),
      sealedAt: h.clock.now(),
      retentionDeadline: null,
      legalHold: false,
      shredReason: null,
    });
    expect(await h.vault.openBytes({ practiceId: P, objectId: id })).toEqual(data);
    // Its v1 tag still guards it.
    const row = h.repos.objects.rows.get(id)!;
    row.wrappedContentKey![20]! ^= 0x01;
    const err = await h.vault.openBytes({ practiceId: P, objectId: id }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isVaultError(err, VaultErrorCode.Tampered)).toBe(true);
  });
});
