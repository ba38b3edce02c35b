// The vault: the one object the rest of Sotto uses to store and read PHI
// artifacts. It composes the keyring (envelope keys), the sealed blob format,
// a blob store and the repositories; see DESIGN.md "vault/".

import { hkdfSync } from 'node:crypto';
import type { Readable } from 'node:stream';
import { freshHex, freshRandom, KEY_BYTES } from './aead.ts';
import { ChunkParams, encodeHeader, MAX_CHUNK_SIZE, MIN_CHUNK_SIZE, NONCE_PREFIX_BYTES, sealFrame } from './blob-format.ts';
import type { BlobStore } from './blob-store.ts';
import { VaultError, VaultErrorCode } from './errors.ts';
import type { KeyProvider } from './key-provider.ts';
import { keyStatus, type KeyStatus } from './key-rotation.ts';
import { newBlobRef } from './local-blob-store.ts';
import { readableRecord, readStream, readWhole } from './object-reader.ts';
import { isReadable, Transitions } from './object-state.ts';
import { PracticeKeyring, systemClock, wrapContentKey, type Clock, type PracticeDataKey } from './practice-keyring.ts';
import { recover, type RecoverOptions, type RecoveryReport } from './recovery.ts';
import type { ArtifactKind, DeletionReason, DeletionReceipt, ObjectRecord, ObjectState, UserHold, VaultRepositories } from './repositories.ts';
import { isArtifactKind } from './repositories.ts';
import { retentionDeadline, type RetentionPolicy } from './retention.ts';
import { SealedWriter, type SealedWriterOptions, type Scheduler } from './sealed-writer.ts';
import { ScrubSchedule } from './scrub-schedule.ts';
import { purgeExpired, shredObject, type PurgeReport } from './shred.ts';
import { sealWholeBlob } from './whole-blob.ts';
import { silentLogger, type TamperEvent, type VaultContext, type VaultLogger } from './vault-context.ts';

const DERIVED_SECRET_SALT = 'sotto-vault-derived-secret-v1';

/**
 * 256 KiB: per-chunk cost (a cipher setup, 21 bytes of framing) vanishes
 * against AES-GCM itself; a streaming writer seals smaller chunks anyway
 * whenever its timer or maxUnsyncedBytes says so.
 */
export const DEFAULT_CHUNK_SIZE = 256 * 1024;

export interface VaultOptions {
  repos: VaultRepositories;
  keyProvider: KeyProvider;
  store: BlobStore;
  clock?: Clock;
  logger?: VaultLogger;
  scheduler?: Scheduler;
  /** The practice's retention policy (from policy/); defaults apply when absent. */
  retentionPolicy?: (practiceId: string) => RetentionPolicy | Promise<RetentionPolicy>;
  /** Called on every authentication failure, for the audit log. */
  onTampered?: (event: TamperEvent) => void | Promise<void>;
}

export interface NewObject {
  practiceId: string;
  kind: ArtifactKind;
  /** Owner for per-user legal holds (mailbox owner, recorded user). */
  ownerUserId?: string | null;
  /** Record id to use (e.g. the voicemail's id); generated when absent. */
  id?: string;
  chunkSize?: number;
}

/** Addresses an object within its practice, so one practice can never read another's. */
export interface ObjectRef {
  practiceId: string;
  objectId: string;
}

export function newObjectId(): string {
  return 'obj_' + freshHex(12);
}

export class Vault {
  readonly #ctx: VaultContext;
  readonly #provider: KeyProvider;
  readonly #scheduler: Scheduler | undefined;
  readonly #retention: (practiceId: string) => RetentionPolicy | Promise<RetentionPolicy>;
  readonly #active = new Set<string>();
  readonly #scrubs: ScrubSchedule;

  constructor(options: VaultOptions) {
    const clock = options.clock ?? systemClock;
    const logger = options.logger ?? silentLogger;
    this.#scrubs = new ScrubSchedule(options.repos.scrub?.bind(options.repos), logger);
    this.#provider = options.keyProvider;
    this.#scheduler = options.scheduler;
    this.#retention = options.retentionPolicy ?? (() => ({}));
    this.#ctx = {
      repos: options.repos,
      store: options.store,
      keyring: new PracticeKeyring(options.repos.dataKeys, options.keyProvider, clock),
      clock,
      logger,
      onTampered: options.onTampered ?? (() => {}),
      keysDestroyed: () => this.#scrubs.request(),
    };
  }

  /** Seals a small object in one go (fax page, text, transcript); committed on return. */
  async sealBytes(input: NewObject, data: Uint8Array): Promise<ObjectRecord> {
    // #prepare's steps, awaiting only what is not at hand (a data key not
    // yet cached, a policy that must be fetched): a 1 KiB object pays for
    // every promise.
    const chunkSize = checkNewObject(input);
    const { keyring, repos, store } = this.#ctx;
    const dataKey = keyring.cachedForPractice(input.practiceId) ?? (await keyring.forPractice(input.practiceId));
    const policy = this.#retention(input.practiceId);
    const { record, contentKey, headerBytes } = this.#newObject(input, chunkSize, dataKey, policy instanceof Promise ? await policy : policy);
    let blob: Buffer;
    try {
      blob = data.length <= chunkSize ? sealWholeBlob(contentKey, headerBytes, data) : sealChunks(contentKey, headerBytes, chunkSize, data);
    } finally {
      // Sealed before the first await: the key is gone before any I/O.
      contentKey.fill(0);
    }
    // Record first, then blob, then commit: a crash leaves a 'writing'
    // record that recover() resolves, never a blob nobody knows about.
    await repos.objects.insert(record);
    try {
      await store.put(record.blobRef, blob);
    } catch (err) {
      await shredObject(this.#ctx, record.id, 'aborted', Transitions.abort).catch(() => undefined);
      throw err;
    }
    return committed(record.id, await repos.objects.transition(record.id, Transitions.commit.from, this.#commitPatch(data.length)));
  }

  /** Opens a streaming writer (voicemail, recording); see SealedWriter. */
  async createWriter(input: NewObject, options: SealedWriterOptions = {}): Promise<SealedWriter> {
    const { record, contentKey, headerBytes, noncePrefix, chunkSize } = await this.#prepare(input);
    try {
      await this.#ctx.repos.objects.insert(record);
    } catch (err) {
      contentKey.fill(0);
      throw err;
    }
    this.#active.add(record.id);
    let appender;
    try {
      appender = await this.#ctx.store.create(record.blobRef, headerBytes);
    } catch (err) {
      this.#active.delete(record.id);
      contentKey.fill(0);
      await shredObject(this.#ctx, record.id, 'aborted', Transitions.abort).catch(() => undefined);
      throw err;
    }
    return new SealedWriter(
      {
        objectId: record.id,
        appender,
        contentKey,
        headerBytes,
        noncePrefix,
        chunkSize,
        onCommitted: async (size) => {
          this.#active.delete(record.id);
          return this.#markCommitted(record.id, size);
        },
        onAborted: async () => {
          this.#active.delete(record.id);
          await shredObject(this.#ctx, record.id, 'aborted', Transitions.abort);
        },
      },
      { scheduler: this.#scheduler, ...options },
    );
  }

  /**
   * A secret derived from the practice's data key (HKDF-SHA256, `label` as
   * info, a fixed salt separating it from every sealing use). Data keys are
   * re-wrapped, never replaced, by master-key rotation, so the value is
   * stable across `sotto keys rotate` — what the demo's printed credentials
   * need — and gone with the practice's key.
   */
  async deriveSecret(practiceId: string, label: string, length: number): Promise<Buffer> {
    const { key } = await this.#ctx.keyring.forPractice(practiceId);
    return Buffer.from(hkdfSync('sha256', key, DERIVED_SECRET_SALT, label, length));
  }

  /** The object's record (metadata only). */
  async stat(ref: ObjectRef): Promise<ObjectRecord> {
    const record = await this.#ctx.repos.objects.get(ref.objectId);
    if (!record || record.practiceId !== ref.practiceId) {
      throw new VaultError(VaultErrorCode.NotFound, `object ${ref.objectId} not found`, { objectId: ref.objectId });
    }
    return record;
  }

  /** The whole plaintext, verified. Throws VAULT_TAMPERED, VAULT_SHREDDED, VAULT_NOT_FOUND. */
  openBytes(ref: ObjectRef): Promise<Buffer> {
    try {
      const plaintext = readWhole(this.#ctx, ref);
      return plaintext instanceof Promise ? plaintext : Promise.resolve(plaintext);
    } catch (err) {
      return Promise.reject(err);
    }
  }

  /** The plaintext as a stream; each chunk is verified before it is emitted. */
  async openStream(ref: ObjectRef): Promise<Readable> {
    return readStream(this.#ctx, readableRecord(ref, await this.#ctx.repos.objects.get(ref.objectId)));
  }

  /** Crash recovery; call once at startup before accepting calls. */
  async recover(options: Omit<RecoverOptions, 'activeObjectIds'> = {}): Promise<RecoveryReport> {
    return recover(this.#ctx, { ...options, activeObjectIds: this.#active });
  }

  /** Destroys one object now (erasure request). Refused under a legal hold. */
  async destroy(ref: ObjectRef, reason: DeletionReason = 'requested'): Promise<DeletionReceipt> {
    const record = await this.stat(ref);
    if (record.legalHold || (record.ownerUserId !== null && (await this.#ctx.repos.userHolds.isHeld(record.practiceId, record.ownerUserId)))) {
      throw new VaultError(VaultErrorCode.LegalHold, `object ${record.id} is under legal hold`, { objectId: record.id });
    }
    if (!isReadable(record.state)) {
      throw new VaultError(VaultErrorCode.InvalidState, `object ${record.id} is ${record.state}`, { objectId: record.id });
    }
    const receipt = await shredObject(this.#ctx, record.id, reason, Transitions.shredStored);
    if (!receipt) {
      throw new VaultError(VaultErrorCode.InvalidState, `object ${record.id} changed while being destroyed`, { objectId: record.id });
    }
    return receipt;
  }

  /**
   * destroy() for a caller that has already let go of the object (its own
   * row is gone, a greeting was replaced): a refusal (legal hold) or a failure
   * is logged by code and id instead of thrown, and the object then stays
   * until its retention purge; one already gone is not an error.
   */
  async destroyReleased(ref: ObjectRef, reason: DeletionReason = 'requested'): Promise<DeletionReceipt | undefined> {
    try {
      return await this.destroy(ref, reason);
    } catch (e) {
      const code = e instanceof VaultError ? e.code : 'VAULT_DESTROY_FAILED';
      if (code !== VaultErrorCode.NotFound) {
        this.#ctx.logger.warn({ code, objectId: ref.objectId, practiceId: ref.practiceId }, 'released vault object not destroyed: kept until its retention purge');
      }
      return undefined;
    }
  }

  /** Scheduled purge: crypto-shreds every expired object not under a legal hold. */
  async purgeExpired(options: { now?: Date; batchSize?: number } = {}): Promise<PurgeReport> {
    return purgeExpired(this.#ctx, options.now ?? this.#ctx.clock.now(), options.batchSize);
  }

  async setLegalHold(ref: ObjectRef, hold: boolean): Promise<void> {
    await this.stat(ref);
    await this.#ctx.repos.objects.setLegalHold(ref.objectId, hold);
  }

  async placeUserHold(practiceId: string, userId: string, reference: string): Promise<void> {
    await this.#ctx.repos.userHolds.place({ practiceId, userId, reference, placedAt: this.#ctx.clock.now() });
  }

  async releaseUserHold(practiceId: string, userId: string): Promise<boolean> {
    return this.#ctx.repos.userHolds.release(practiceId, userId);
  }

  /** What stops `ref` being destroyed: an object hold, a hold on its owner, or nothing (null). */
  async holdOn(ref: ObjectRef): Promise<'object' | 'user' | null> {
    const record = await this.stat(ref);
    if (record.legalHold) return 'object';
    if (record.ownerUserId !== null && (await this.#ctx.repos.userHolds.isHeld(record.practiceId, record.ownerUserId))) return 'user';
    return null;
  }

  async userHolds(practiceId: string): Promise<UserHold[]> {
    return this.#ctx.repos.userHolds.list(practiceId);
  }

  /** The practice's stored objects (metadata only, no content keys), oldest first. */
  async objects(practiceId: string): Promise<Array<Omit<ObjectRecord, 'wrappedContentKey'>>> {
    return (await this.#ctx.repos.objects.listByPractice(practiceId)).map(({ wrappedContentKey, ...rest }) => (wrappedContentKey?.fill(0), rest));
  }

  /**
   * Brings the practice's stored objects in line with `policy`, each deadline
   * recomputed from the object's creation time; the audit log's six-year
   * floor always holds (retentionDeadline). A deadline only ever moves
   * later, except for the kinds in `shorten`: those a practice's admin has
   * just shortened (PATCH /policy, audited), whose older objects become due
   * at the next purge. So nothing is destroyed sooner than someone chose: an
   * upgrade, or a periodic run, whose policy is shorter than the deadlines
   * objects were stored with leaves them as they are. Objects in `keep` (a
   * box's current greeting: the practice's own recording, not a message)
   * get none. Returns how many deadlines moved.
   */
  async syncRetention(practiceId: string, policy: RetentionPolicy, keep: ReadonlySet<string> = new Set(), shorten: ReadonlySet<ArtifactKind> = new Set()): Promise<number> {
    let moved = 0;
    for (const record of await this.#ctx.repos.objects.listByPractice(practiceId)) {
      record.wrappedContentKey?.fill(0);
      const deadline = keep.has(record.id) ? null : retentionDeadline(record.kind, record.createdAt, policy);
      // No deadline is the latest of all.
      const next = deadline?.getTime() ?? Infinity;
      const now = record.retentionDeadline?.getTime() ?? Infinity;
      if (next === now || (next < now && !shorten.has(record.kind))) continue;
      if (await this.#ctx.repos.objects.setRetentionDeadline(record.id, deadline)) moved += 1;
    }
    return moved;
  }

  async receipts(filter: { practiceId?: string; since?: Date } = {}): Promise<DeletionReceipt[]> {
    return this.#ctx.repos.receipts.list(filter);
  }

  async keyStatus(): Promise<KeyStatus> {
    return keyStatus(this.#ctx.repos.dataKeys, this.#provider, this.#ctx.clock);
  }

  /** Resolves once the background work a shred leaves (the database scrub) has had its run. */
  settle(): Promise<void> {
    return this.#scrubs.flush();
  }

  /** Shutdown (or after rotation): a scrub still owed runs, unwrapped data keys leave memory. */
  async close(): Promise<void> {
    await this.settle();
    this.#ctx.keyring.clear();
  }

  async #prepare(input: NewObject): Promise<PreparedObject> {
    const chunkSize = checkNewObject(input);
    const dataKey = this.#ctx.keyring.cachedForPractice(input.practiceId) ?? (await this.#ctx.keyring.forPractice(input.practiceId));
    const policy = this.#retention(input.practiceId);
    return this.#newObject(input, chunkSize, dataKey, policy instanceof Promise ? await policy : policy);
  }

  /** A new object's record (state 'writing'), fresh content key and header. */
  #newObject(input: NewObject, chunkSize: number, dataKey: PracticeDataKey, policy: RetentionPolicy): PreparedObject {
    const id = input.id ?? newObjectId();
    const keyId = dataKey.keyId;
    const contentKey = freshRandom(KEY_BYTES);
    const noncePrefix = freshRandom(NONCE_PREFIX_BYTES);
    let headerBytes: Buffer;
    try {
      headerBytes = encodeHeader({ chunkSize, noncePrefix, keyId, recordId: id });
    } catch (err) {
      // A caller's id the header cannot hold: the key never served, wiped all the same.
      contentKey.fill(0);
      throw err;
    }
    const createdAt = this.#ctx.clock.now();
    const record: ObjectRecord = {
      id,
      practiceId: input.practiceId,
      kind: input.kind,
      ownerUserId: input.ownerUserId ?? null,
      dataKeyId: keyId,
      wrappedContentKey: wrapContentKey(dataKey, contentKey),
      blobRef: newBlobRef(),
      size: null,
      state: 'writing',
      createdAt,
      sealedAt: null,
      retentionDeadline: retentionDeadline(input.kind, createdAt, policy),
      legalHold: false,
      shredReason: null,
    };
    return { record, contentKey, headerBytes, noncePrefix, chunkSize };
  }

  #commitPatch(size: number): { state: ObjectState; size: number; sealedAt: Date } {
    return { state: Transitions.commit.to, size, sealedAt: this.#ctx.clock.now() };
  }

  async #markCommitted(objectId: string, size: number): Promise<ObjectRecord> {
    return committed(objectId, await this.#ctx.repos.objects.transition(objectId, Transitions.commit.from, this.#commitPatch(size)));
  }
}

interface PreparedObject {
  record: ObjectRecord;
  contentKey: Buffer;
  headerBytes: Buffer;
  noncePrefix: Buffer;
  chunkSize: number;
}

/** The chunk size of a new object; throws VAULT_INVALID_ARGUMENT for a bad kind or size. */
function checkNewObject(input: NewObject): number {
  if (!isArtifactKind(input.kind)) throw new VaultError(VaultErrorCode.InvalidArgument, `unknown artifact kind`);
  const chunkSize = input.chunkSize ?? DEFAULT_CHUNK_SIZE;
  if (!Number.isInteger(chunkSize) || chunkSize < MIN_CHUNK_SIZE || chunkSize > MAX_CHUNK_SIZE) {
    throw new VaultError(VaultErrorCode.InvalidArgument, `chunk size must be ${MIN_CHUNK_SIZE}..${MAX_CHUNK_SIZE}`);
  }
  return chunkSize;
}

/** The record the commit transition returned; throws if the object had left 'writing'. */
function committed(objectId: string, record: ObjectRecord | undefined): ObjectRecord {
  if (!record) {
    throw new VaultError(VaultErrorCode.InvalidState, `object ${objectId} left 'writing' before commit`, { objectId });
  }
  return record;
}

/** A blob of several chunks in one buffer (sealBytes of more than one chunk's worth). */
function sealChunks(contentKey: Buffer, headerBytes: Buffer, chunkSize: number, data: Uint8Array): Buffer {
  const params = new ChunkParams(headerBytes);
  const frames: Buffer[] = [headerBytes];
  let index = 0;
  for (let offset = 0; offset < data.length; offset += chunkSize) {
    const end = Math.min(offset + chunkSize, data.length);
    for (const part of sealFrame(contentKey, params, index++, end === data.length, data.subarray(offset, end))) frames.push(part);
  }
  return Buffer.concat(frames);
}
