// Envelope keys. The master key (KeyProvider) wraps one data key per
// practice; each practice data key wraps one content key per object; the
// content key seals the object's chunks. Destroying an object's wrapped
// content key destroys the object (crypto-shredding) without touching any
// other object, and rotating the master key re-wraps only the small data
// keys, never the blobs.

import { randomBytes } from 'node:crypto';
import { associatedData, KEY_BYTES, unwrapKey, wrapKey } from './aead.ts';
import { CONTENT_KEY_WRAP_V2, ContentKeyWrapper } from './content-key-wrap.ts';
import { VaultError, VaultErrorCode } from './errors.ts';
import type { KeyProvider } from './key-provider.ts';
import type { DataKeyRecord, DataKeyRepository } from './repositories.ts';

export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

export function dataKeyAad(practiceId: string, keyId: string): Buffer {
  return associatedData('sotto/vault/data-key/v1', practiceId, keyId);
}

export function contentKeyAad(practiceId: string, objectId: string, dataKeyId: string): Buffer {
  return associatedData('sotto/vault/content-key/v1', practiceId, objectId, dataKeyId);
}

export function newDataKeyId(): string {
  return 'dk_' + randomBytes(10).toString('hex');
}

interface CachedKey {
  keyId: string;
  practiceId: string;
  key: Buffer;
  /** Wraps and unwraps content keys under this data key (v2, content-key-wrap.ts). */
  wrapper: ContentKeyWrapper;
}

/** A practice's data key, ready to wrap content keys. */
export interface PracticeDataKey {
  keyId: string;
  key: Buffer;
  wrapper: ContentKeyWrapper;
}

export class PracticeKeyring {
  readonly #repo: DataKeyRepository;
  readonly #provider: KeyProvider;
  readonly #clock: Clock;
  // Unwrapped data keys, so a KMS-backed provider is not called per object.
  readonly #cache = new Map<string, CachedKey>();
  readonly #byPractice = new Map<string, string>();
  readonly #creating = new Map<string, Promise<PracticeDataKey>>();

  constructor(repo: DataKeyRepository, provider: KeyProvider, clock: Clock) {
    this.#repo = repo;
    this.#provider = provider;
    this.#clock = clock;
  }

  /** The practice's data key, created and wrapped under the master key on first use. */
  async forPractice(practiceId: string): Promise<PracticeDataKey> {
    const cachedId = this.#byPractice.get(practiceId);
    const cached = cachedId === undefined ? undefined : this.#cache.get(cachedId);
    if (cachedId !== undefined && cached) return { keyId: cachedId, key: cached.key, wrapper: cached.wrapper };
    let pending = this.#creating.get(practiceId);
    if (!pending) {
      pending = this.#loadOrCreate(practiceId).finally(() => this.#creating.delete(practiceId));
      this.#creating.set(practiceId, pending);
    }
    return pending;
  }

  /** The practice's data key if it is held in memory now, without a promise (the seal path of small objects). */
  cachedForPractice(practiceId: string): PracticeDataKey | undefined {
    // The cached entry itself (it is a PracticeDataKey): no object per seal.
    const keyId = this.#byPractice.get(practiceId);
    return keyId === undefined ? undefined : this.#cache.get(keyId);
  }

  async #loadOrCreate(practiceId: string): Promise<PracticeDataKey> {
    const existing = await this.#repo.findByPractice(practiceId);
    if (existing) return { keyId: existing.keyId, ...(await this.#unwrapRecord(existing)) };
    const keyId = newDataKeyId();
    const key = randomBytes(KEY_BYTES);
    const record: DataKeyRecord = {
      keyId,
      practiceId,
      wrappedKey: await this.#provider.wrap(key, dataKeyAad(practiceId, keyId)),
      masterKeyId: await this.#provider.masterKeyId(),
      createdAt: this.#clock.now(),
      rotatedAt: null,
    };
    if ((await this.#repo.insert(record)) === 'conflict') {
      // Another process created the practice's key first: use theirs.
      key.fill(0);
      const winner = await this.#repo.findByPractice(practiceId);
      if (!winner) throw new Error('data key insert conflicted but no key exists');
      return { keyId: winner.keyId, ...(await this.#unwrapRecord(winner)) };
    }
    const cached = this.#remember(keyId, practiceId, key);
    return { keyId, key, wrapper: cached.wrapper };
  }

  /** A data key by id (as named in a blob header or object record). */
  async byId(keyId: string): Promise<{ practiceId: string; key: Buffer; wrapper: ContentKeyWrapper }> {
    const cached = this.#cache.get(keyId);
    if (cached) return cached;
    return this.#load(keyId);
  }

  /**
   * The data key if it is held in memory now, without a promise: the open
   * path of a small object awaits only what really waits (record, blob).
   */
  cachedById(keyId: string): { practiceId: string; key: Buffer; wrapper: ContentKeyWrapper } | undefined {
    return this.#cache.get(keyId);
  }

  async #load(keyId: string): Promise<{ practiceId: string; key: Buffer; wrapper: ContentKeyWrapper }> {
    const record = await this.#repo.get(keyId);
    if (!record) throw new VaultError(VaultErrorCode.KeyNotFound, `data key ${keyId} not found`, { keyId });
    return { practiceId: record.practiceId, ...(await this.#unwrapRecord(record)) };
  }

  async #unwrapRecord(record: DataKeyRecord): Promise<{ key: Buffer; wrapper: ContentKeyWrapper }> {
    const masterKeyId = await this.#provider.masterKeyId();
    if (record.masterKeyId !== masterKeyId) {
      throw new VaultError(
        VaultErrorCode.WrongMasterKey,
        `data key ${record.keyId} is wrapped under master key ${record.masterKeyId}, not ${masterKeyId} (finish \`sotto keys rotate\`?)`,
        { keyId: record.keyId, practiceId: record.practiceId },
      );
    }
    const key = await this.#provider.unwrap(record.wrappedKey, dataKeyAad(record.practiceId, record.keyId));
    return this.#remember(record.keyId, record.practiceId, key);
  }

  #remember(keyId: string, practiceId: string, key: Buffer): CachedKey {
    const cached = { keyId, practiceId, key, wrapper: new ContentKeyWrapper(key) };
    this.#cache.set(keyId, cached);
    this.#byPractice.set(practiceId, keyId);
    return cached;
  }

  /** Forgets every unwrapped data key held in memory. */
  clear(): void {
    for (const cached of this.#cache.values()) cached.key.fill(0);
    this.#cache.clear();
    this.#byPractice.clear();
  }
}

/** Wraps a new object's content key (format v2, see content-key-wrap.ts). */
export function wrapContentKey(dataKey: PracticeDataKey, contentKey: Buffer): Buffer {
  return dataKey.wrapper.wrap(contentKey);
}

/**
 * The v1 wrapping (AES-256-GCM under the data key, AAD = practice, object,
 * data key id). Objects sealed before v2 carry it; new ones never do. Kept
 * so tests can make such objects and show they stay readable.
 */
export function wrapContentKeyV1(dataKey: Buffer, practiceId: string, objectId: string, dataKeyId: string, contentKey: Buffer): Buffer {
  return wrapKey(dataKey, contentKeyAad(practiceId, objectId, dataKeyId), contentKey);
}

/** The content key of an object, from a v2 or v1 wrapping; undefined when v1's tag fails or the format is unknown. */
export function unwrapContentKey(
  dataKey: { key: Buffer; wrapper: ContentKeyWrapper },
  practiceId: string,
  objectId: string,
  dataKeyId: string,
  wrapped: Buffer,
): Buffer | undefined {
  if (wrapped[0] === CONTENT_KEY_WRAP_V2) return dataKey.wrapper.unwrap(wrapped);
  return unwrapKey(dataKey.key, contentKeyAad(practiceId, objectId, dataKeyId), wrapped);
}
