// Every way of altering sealed data at rest is detected on read and refused
// with VAULT_TAMPERED (and reported for the audit log).

import { readFile, rename, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { decodeHeader, FRAME_OVERHEAD } from '../../src/vault/blob-format.ts';
import { isVaultError, VaultErrorCode, type ObjectRecord } from '../../src/vault/index.ts';
import { blobPath, makeHarness, pattern, type Harness } from './harness.ts';

const P = 'prac_tamper';
let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(async () => {
  await h.cleanup();
});

/** 40 bytes in 16-byte chunks: three chunks (16, 16, 8), the last final. */
async function sealSmall(seed = 1): Promise<{ rec: ObjectRecord; path: string; blob: Buffer; data: Buffer }> {
  const data = pattern(40, seed);
  const rec = await h.vault.sealBytes({ practiceId: P, kind: 'text', chunkSize: 16 }, data);
  const path = blobPath(h, rec.blobRef);
  return { rec, path, blob: await readFile(path), data };
}

async function openError(rec: ObjectRecord): Promise<unknown> {
  try {
    await h.vault.openBytes({ practiceId: P, objectId: rec.id });
    return undefined;
  } catch (err) {
    return err;
  }
}

function expectTampered(err: unknown, what: string): void {
  expect(isVaultError(err, VaultErrorCode.Tampered), `${what}: got ${String(err)}`).toBe(true);
}

describe('tamper detection', () => {
  it('detects a flip of any single byte anywhere in the blob', async () => {
    const { rec, path, blob, data } = await sealSmall();
    expect(await h.vault.openBytes({ practiceId: P, objectId: rec.id })).toEqual(data);
    for (let i = 0; i < blob.length; i++) {
      const bad = Buffer.from(blob);
      bad[i]! ^= 0x01;
      await writeFile(path, bad);
      expectTampered(await openError(rec), `flip at byte ${i} of ${blob.length}`);
    }
    expect(h.tamperEvents.length).toBe(blob.length);
    expect(h.tamperEvents[0]).toMatchObject({ objectId: rec.id, practiceId: P, kind: 'text' });
  });

  it('detects truncation at every length, including exactly at a chunk boundary', async () => {
    const { rec, path, blob } = await sealSmall();
    const headerLength = (decodeHeader(blob) as { ok: true; value: { length: number } }).value.length;
    const boundary = headerLength + 2 * (16 + FRAME_OVERHEAD); // drops exactly the final chunk
    for (let n = 0; n < blob.length; n++) {
      await writeFile(path, blob.subarray(0, n));
      expectTampered(await openError(rec), `truncated to ${n}${n === boundary ? ' (chunk boundary)' : ''}`);
    }
  });

  it('detects reordered chunks', async () => {
    const { rec, path, blob } = await sealSmall();
    const headerLength = (decodeHeader(blob) as { ok: true; value: { length: number } }).value.length;
    const frame = 16 + FRAME_OVERHEAD;
    const c0 = blob.subarray(headerLength, headerLength + frame);
    const c1 = blob.subarray(headerLength + frame, headerLength + 2 * frame);
    const rest = blob.subarray(headerLength + 2 * frame);
    await writeFile(path, Buffer.concat([blob.subarray(0, headerLength), c1, c0, rest]));
    expectTampered(await openError(rec), 'chunks 0 and 1 swapped');
  });

  it('detects two blobs swapped between records, and chunks spliced across records', async () => {
    const a = await sealSmall(1);
    const b = await sealSmall(2);
    await rename(a.path, a.path + '.x');
    await rename(b.path, a.path);
    await rename(a.path + '.x', b.path);
    expectTampered(await openError(a.rec), 'blob of b under record a');
    expectTampered(await openError(b.rec), 'blob of a under record b');

    // Same header as a, but chunk 1 taken from b at the same index.
    const headerLength = (decodeHeader(a.blob) as { ok: true; value: { length: number } }).value.length;
    const frame = 16 + FRAME_OVERHEAD;
    const spliced = Buffer.from(a.blob);
    b.blob.copy(spliced, headerLength + frame, headerLength + frame, headerLength + 2 * frame);
    await writeFile(a.path, spliced);
    expectTampered(await openError(a.rec), 'chunk spliced from another record');
  });

  it('detects wrapped content keys swapped between records in the database', async () => {
    const a = await sealSmall(1);
    const b = await sealSmall(2);
    const rowA = h.repos.objects.rows.get(a.rec.id)!;
    const rowB = h.repos.objects.rows.get(b.rec.id)!;
    [rowA.wrappedContentKey, rowB.wrappedContentKey] = [rowB.wrappedContentKey, rowA.wrappedContentKey];
    expectTampered(await openError(a.rec), 'content key of b on record a');
  });

  it('detects an object pointed at another practice\'s data key', async () => {
    const a = await sealSmall(1);
    const foreign = await h.vault.sealBytes({ practiceId: 'prac_other', kind: 'text' }, Buffer.from('x'));
    h.repos.objects.rows.get(a.rec.id)!.dataKeyId = foreign.dataKeyId;
    expectTampered(await openError(a.rec), 'data key of another practice');
  });

  it('detects bytes appended after the final chunk', async () => {
    const { rec, path, blob } = await sealSmall();
    await writeFile(path, Buffer.concat([blob, blob.subarray(blob.length - 29)]));
    expectTampered(await openError(rec), 'final chunk repeated');
  });

  it('errors a stream on tamper instead of delivering forged bytes', async () => {
    const data = pattern(200_000, 5);
    const rec = await h.vault.sealBytes({ practiceId: P, kind: 'fax' }, data);
    const path = blobPath(h, rec.blobRef);
    const blob = await readFile(path);
    blob[blob.length - 100]! ^= 0x80;
    await writeFile(path, blob);
    const received: Buffer[] = [];
    const stream = await h.vault.openStream({ practiceId: P, objectId: rec.id });
    const err = await (async () => {
      try {
        for await (const part of stream) received.push(part as Buffer);
        return undefined;
      } catch (e) {
        return e;
      }
    })();
    expectTampered(err, 'stream with flipped byte in last chunk');
    // Whatever was delivered before the failure is authentic plaintext.
    const got = Buffer.concat(received);
    expect(got.equals(data.subarray(0, got.length))).toBe(true);
  });

  it('logs ids and codes only', async () => {
    const { rec, path, blob } = await sealSmall();
    blob[blob.length - 1]! ^= 1;
    await writeFile(path, blob);
    await openError(rec);
    const line = h.logger.lines.find((l) => l.includes(VaultErrorCode.Tampered));
    expect(line && JSON.parse(line)).toMatchObject({ objectId: rec.id, practiceId: P, code: 'VAULT_TAMPERED', reason: 'chunk_auth' });
  });
});
