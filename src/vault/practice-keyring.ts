// Envelope keys. The master key (KeyProvider) wraps one data key per
// practice; each practice data key wraps one content key per object; the
// content key seals the object's chunks. Destroying an object's wrapped
// content key destroys the object (crypto-shredding) without touching any
// other object, and rotating the master key re-wraps only the small data
// keys, never the blobs.

import { randomBytes } from 'node:crypto';
import { associatedData, KEY_BYTES, unwrapKey, wrapKey } from './aead.ts';
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
  practiceId: string;
  key: Buffer;
}

export class PracticeKeyring {
  readonly #repo: DataKeyRepository;
  readonly #provider: KeyProvider;
  readonly #clock: Clock;
  // Unwrapped data keys, so a KMS-backed provider is not called per object.
  readonly #cache = new Map<string, CachedKey>();
  readonly #byPractice = new Map<string, string>();
  readonly #creating = new Map<string, Promise<{ keyId: string; key: Buffer }>>();

  constructor(repo: DataKeyRepository, provider: KeyProvider, clock: Clock) {
    this.#repo = repo;
    this.#provider = provider;
    this.#clock = clock;
  }

  /** The practice's data key, created and wrapped under the master key on first use. */
  async forPractice(practiceId: string): Promise<{ keyId: string; key: Buffer }> {
    const cachedId = this.#byPractice.get(practiceId);
    const cached = cachedId === undefined ? undefined : this.#cache.get(cachedId);
    if (cachedId !== undefined && cached) return { keyId: cachedId, key: cached.key };
    let pending = this.#creating.get(practiceId);
    if (!pending) {
      pending = this.#loadOrCreate(practiceId).finally(() => this.#creating.delete(practiceId));
      this.#creating.set(practiceId, pending);
    }
    return pending;
  }

  async #loadOrCreate(practiceId: string): Promise<{ keyId: string; key: Buffer }> {
    const existing = await this.#repo.findByPractice(practiceId);
    if (existing) return { keyId: existing.keyId, key: await this.#unwrapRecord(existing) };
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
      return { keyId: winner.keyId, key: await this.#unwrapRecord(winner) };
    }
    this.#remember(keyId, practiceId, key);
    return { keyId, key };
  }

  /** A data key by id (as named in a blob header or object record). */
  async byId(keyId: string): Promise<{ practiceId: string; key: Buffer }> {
    const cached = this.#cache.get(keyId);
    if (cached) return cached;
    const record = await this.#repo.get(keyId);
    if (!record) throw new VaultError(VaultErrorCode.KeyNotFound, `data key ${keyId} not found`, { keyId });
    const key = await this.#unwrapRecord(record);
    return { practiceId: record.practiceId, key };
  }

  async #unwrapRecord(record: DataKeyRecord): Promise<Buffer> {
    const masterKeyId = await this.#provider.masterKeyId();
    if (record.masterKeyId !== masterKeyId) {
      throw new VaultError(
        VaultErrorCode.WrongMasterKey,
        `data key ${record.keyId} is wrapped under master key ${record.masterKeyId}, not ${masterKeyId} (finish \`sotto keys rotate\`?)`,
        { keyId: record.keyId, practiceId: record.practiceId },
      );
    }
    const key = await this.#provider.unwrap(record.wrappedKey, dataKeyAad(record.practiceId, record.keyId));
    this.#remember(record.keyId, record.practiceId, key);
    return key;
  }

  #remember(keyId: string, practiceId: string, key: Buffer): void {
    this.#cache.set(keyId, { practiceId, key });
    this.#byPractice.set(practiceId, keyId);
  }

  /** Forgets every unwrapped data key held in memory. */
  clear(): void {
    for (const cached of this.#cache.values()) cached.key.fill(0);
    this.#cache.clear();
    this.#byPractice.clear();
  }
}

export function wrapContentKey(dataKey: Buffer, practiceId: string, objectId: string, dataKeyId: string, contentKey: Buffer): Buffer {
  return wrapKey(dataKey, contentKeyAad(practiceId, objectId, dataKeyId), contentKey);
}

export function unwrapContentKey(
  dataKey: Buffer,
  practiceId: string,
  objectId: string,
  dataKeyId: string,
  wrapped: Buffer,
): Buffer | undefined {
  return unwrapKey(dataKey, contentKeyAad(practiceId, objectId, dataKeyId), wrapped);
}
