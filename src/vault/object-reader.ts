// Reading an object back: unwrap its content key, verify every chunk in
// order, and refuse with VAULT_TAMPERED on the first thing that does not
// authenticate (and report it, so audit/ can record it).

import { Readable } from 'node:stream';
import { tampered, VaultError, VaultErrorCode } from './errors.ts';
import { unwrapContentKey } from './practice-keyring.ts';
import { READ_LATER } from './blob-store.ts';
import { FRAME_OVERHEAD, headerLength } from './blob-format.ts';
import { LOOKUP_LATER, type ObjectRecord } from './repositories.ts';
import { SealedBlobReader, type ReaderEnd } from './sealed-reader.ts';
import type { VaultContext } from './vault-context.ts';
import { openWholeBlob } from './whole-blob.ts';

/**
 * The object's content key when its data key is in memory and everything
 * checks out, without a promise (the open path of small objects);
 * undefined otherwise, and then {@link contentKeyFor} decides and reports.
 */
function contentKeyNow(ctx: VaultContext, record: ObjectRecord): Buffer | undefined {
  if (record.state === 'shredded' || record.wrappedContentKey === null) return undefined;
  const dataKey = ctx.keyring.cachedById(record.dataKeyId);
  if (!dataKey || dataKey.practiceId !== record.practiceId) return undefined;
  return unwrapContentKey(dataKey, record.practiceId, record.id, record.dataKeyId, record.wrappedContentKey);
}

/** The object's content key; throws VAULT_SHREDDED or VAULT_TAMPERED. */
export async function contentKeyFor(ctx: VaultContext, record: ObjectRecord): Promise<Buffer> {
  const details = { objectId: record.id, practiceId: record.practiceId };
  if (record.state === 'shredded' || record.wrappedContentKey === null) {
    throw new VaultError(VaultErrorCode.Shredded, `object ${record.id} was destroyed`, details);
  }
  const dataKey = ctx.keyring.cachedById(record.dataKeyId) ?? (await ctx.keyring.byId(record.dataKeyId));
  if (dataKey.practiceId !== record.practiceId) throw await reportTamper(ctx, record, 'key_practice_mismatch');
  const key = unwrapContentKey(dataKey, record.practiceId, record.id, record.dataKeyId, record.wrappedContentKey);
  if (!key) throw await reportTamper(ctx, record, 'content_key_unwrap');
  return key;
}

export async function reportTamper(ctx: VaultContext, record: ObjectRecord, reason: string): Promise<VaultError> {
  const error = tampered(reason, { objectId: record.id, practiceId: record.practiceId });
  ctx.logger.warn({ objectId: record.id, practiceId: record.practiceId, code: error.code, reason }, 'vault object failed authentication');
  try {
    await ctx.onTampered({ objectId: record.id, practiceId: record.practiceId, kind: record.kind, reason, at: ctx.clock.now() });
  } catch (err) {
    ctx.logger.error({ objectId: record.id, code: (err as { code?: unknown }).code }, 'tamper hook failed');
  }
  return error;
}

/** The reason the blob's end is unacceptable for this record, if any. */
function endProblem(record: ObjectRecord, end: ReaderEnd): string | undefined {
  if (record.state === 'committed' && !end.final) return 'truncated';
  if (end.plaintextBytes !== record.size) return 'size_mismatch';
  return undefined;
}

/** The record of `ref` if it may be read now; throws VAULT_NOT_FOUND or VAULT_INVALID_STATE. */
export function readableRecord(ref: { practiceId: string; objectId: string }, record: ObjectRecord | undefined): ObjectRecord {
  if (!record || record.practiceId !== ref.practiceId) {
    throw new VaultError(VaultErrorCode.NotFound, `object ${ref.objectId} not found`, { objectId: ref.objectId });
  }
  if (record.state === 'writing') {
    throw new VaultError(VaultErrorCode.InvalidState, `object ${record.id} is still being written`, { objectId: record.id });
  }
  return record;
}

/**
 * The whole plaintext of `ref`, verified: record lookup, key, blob read and
 * every check. Synchronous when the repository, the keyring and the store
 * can answer at once (getNow, a cached data key, readNow: every small object
 * on SQLite and the local disk); a promise only from the first step that
 * must wait. For a 1 KiB object each promise and async frame was a visible
 * share of the whole open. Throws (or rejects with) what openBytes documents.
 */
export function readWhole(ctx: VaultContext, ref: { practiceId: string; objectId: string }): Buffer | Promise<Buffer> {
  const objects = ctx.repos.objects;
  const now = objects.getNow === undefined ? LOOKUP_LATER : objects.getNow(ref.objectId);
  if (now === LOOKUP_LATER) return objects.get(ref.objectId).then((record) => readRecord(ctx, readableRecord(ref, record)));
  return readRecord(ctx, readableRecord(ref, now));
}

function readRecord(ctx: VaultContext, record: ObjectRecord): Buffer | Promise<Buffer> {
  const key = contentKeyNow(ctx, record);
  if (key === undefined) return contentKeyFor(ctx, record).then((later) => readWithKey(ctx, record, later));
  return readWithKey(ctx, record, key);
}

/** Reads and opens the blob under `key`, which it wipes whatever happens. */
function readWithKey(ctx: VaultContext, record: ObjectRecord, key: Buffer): Buffer | Promise<Buffer> {
  let blob: Buffer | undefined | typeof READ_LATER;
  try {
    const store = ctx.store;
    // The size of a one-chunk blob, which every small object's is (a longer
    // one the store leaves to read()).
    const expected = record.size === null ? Infinity : headerLength(record.dataKeyId, record.id) + record.size + FRAME_OVERHEAD;
    blob = store.readNow === undefined ? READ_LATER : store.readNow(record.blobRef, expected);
  } catch (err) {
    wipe(key);
    throw err;
  }
  if (blob === READ_LATER) {
    return ctx.store.read(record.blobRef).then(
      (later) => openBlob(ctx, record, key, later),
      (err: unknown) => {
        wipe(key);
        throw err;
      },
    );
  }
  return openBlob(ctx, record, key, blob);
}

/** The plaintext of `blob`, checked against `record`; wipes `key`. A failure is reported (async: the audit hook) and rejects. */
function openBlob(ctx: VaultContext, record: ObjectRecord, key: Buffer, blob: Buffer | undefined): Buffer | Promise<Buffer> {
  let whole: Buffer | undefined;
  try {
    if (!blob) {
      throw new VaultError(VaultErrorCode.BlobMissing, `blob for object ${record.id} is missing`, { objectId: record.id });
    }
    // One chunk (every small object): opened in one call. Anything else, and
    // anything that fails there, goes through the reader, which names it.
    whole = openWholeBlob(key, blob, record.id, record.dataKeyId);
    if (whole !== undefined && whole.length === record.size) {
      wipe(key);
      return whole;
    }
  } catch (err) {
    wipe(key);
    throw err;
  }
  return openChunks(ctx, record, key, blob);
}

/** The general path (several chunks, or a blob the one-call open refused): verifies every chunk, reports what fails. */
async function openChunks(ctx: VaultContext, record: ObjectRecord, key: Buffer, blob: Buffer): Promise<Buffer> {
  try {
    const reader = new SealedBlobReader(key, { recordId: record.id, keyId: record.dataKeyId });
    const pushed = reader.push(blob);
    if (!pushed.ok) throw await reportTamper(ctx, record, pushed.reason);
    const end = reader.end();
    if (!end.ok) throw await reportTamper(ctx, record, end.reason);
    const problem = endProblem(record, end.value);
    if (problem) throw await reportTamper(ctx, record, problem);
    return pushed.chunks.length === 1 ? pushed.chunks[0]! : Buffer.concat(pushed.chunks);
  } finally {
    wipe(key);
  }
}

/** Zeroes a content key: a loop the JIT compiles, cheaper for 32 bytes than fill()'s native call. */
function wipe(key: Buffer): void {
  for (let i = 0; i < key.length; i++) key[i] = 0;
}

/**
 * Streams the plaintext; each chunk is emitted only after it authenticated.
 * A failure later in the blob errors the stream (VAULT_TAMPERED) after the
 * earlier, authentic chunks were delivered: callers that must not act on a
 * prefix (e.g. transcription) should use readWhole.
 */
export async function readStream(ctx: VaultContext, record: ObjectRecord): Promise<Readable> {
  const key = await contentKeyFor(ctx, record);
  const source = await ctx.store.stream(record.blobRef);
  if (!source) {
    key.fill(0);
    throw new VaultError(VaultErrorCode.BlobMissing, `blob for object ${record.id} is missing`, { objectId: record.id });
  }
  async function* plaintext(): AsyncGenerator<Buffer> {
    const reader = new SealedBlobReader(key, { recordId: record.id, keyId: record.dataKeyId });
    try {
      for await (const data of source as AsyncIterable<Buffer>) {
        const pushed = reader.push(data);
        if (!pushed.ok) throw await reportTamper(ctx, record, pushed.reason);
        for (const chunk of pushed.chunks) yield chunk;
      }
      const end = reader.end();
      if (!end.ok) throw await reportTamper(ctx, record, end.reason);
      const problem = endProblem(record, end.value);
      if (problem) throw await reportTamper(ctx, record, problem);
    } finally {
      key.fill(0);
      source!.destroy();
    }
  }
  return Readable.from(plaintext(), { objectMode: false });
}
