// Master key kept in a local file: 32 random bytes, mode 0600, created on
// first use. The key never leaves this module; the vault sees only wrap and
// unwrap. Two keys are derived with HKDF-SHA-256 so the bytes used to compute
// the public key id are never the bytes that encrypt (key separation).

import { createHash, hkdfSync, randomBytes } from 'node:crypto';
import { constants as fsc, promises as fsp } from 'node:fs';
import { dirname, join, basename } from 'node:path';
import { KEY_BYTES, unwrapKey, wrapKey } from './aead.ts';
import { VaultError, VaultErrorCode } from './errors.ts';
import type { KeyProvider } from './key-provider.ts';

const ID_INFO = 'sotto/vault/master-key-id/v1';
const WRAP_INFO = 'sotto/vault/master-key-wrap/v1';

export interface FileKeyProviderOptions {
  /** Path of the key file (SOTTO_MASTER_KEY_FILE, default <dataDir>/master.key). */
  path: string;
  /** Create the file when it does not exist (default true). `keys rotate` opens the old key with false. */
  create?: boolean;
}

export class FileKeyProvider implements KeyProvider {
  readonly kind = 'file';
  readonly path: string;
  readonly #wrapKey: Buffer;
  readonly #id: string;
  readonly #createdAt: Date;

  private constructor(path: string, key: Buffer, createdAt: Date) {
    this.path = path;
    this.#wrapKey = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), WRAP_INFO, KEY_BYTES));
    this.#id = masterKeyIdOf(key);
    this.#createdAt = createdAt;
    key.fill(0);
  }

  /** Loads the key file, creating it first (atomically, 0600) if allowed and absent. */
  static async open(options: FileKeyProviderOptions): Promise<FileKeyProvider> {
    const { path } = options;
    if (options.create ?? true) await createKeyFileIfAbsent(path);
    const { key, birth } = await readKeyFile(path);
    return new FileKeyProvider(path, key, birth);
  }

  async masterKeyId(): Promise<string> {
    return this.#id;
  }

  async createdAt(): Promise<Date | undefined> {
    return this.#createdAt;
  }

  async wrap(dataKey: Uint8Array, aad: Uint8Array): Promise<Buffer> {
    return wrapKey(this.#wrapKey, aad, dataKey);
  }

  async unwrap(wrapped: Uint8Array, aad: Uint8Array): Promise<Buffer> {
    const key = unwrapKey(this.#wrapKey, aad, wrapped);
    if (!key) {
      throw new VaultError(VaultErrorCode.Tampered, 'wrapped data key failed authentication under the master key', {
        keyId: this.#id,
        reason: 'data_key_unwrap',
      });
    }
    return key;
  }
}

/** 'mk_' + 16 hex of SHA-256(HKDF(key, info=ID_INFO)): identifies the key without revealing it. */
export function masterKeyIdOf(key: Uint8Array): string {
  const derived = Buffer.from(hkdfSync('sha256', key, Buffer.alloc(0), ID_INFO, KEY_BYTES));
  const id = 'mk_' + createHash('sha256').update(derived).digest('hex').slice(0, 16);
  derived.fill(0);
  return id;
}

/**
 * Creates the key file with O_CREAT|O_EXCL semantics but without a window in
 * which another process (or a crash) can leave a short file: the key is
 * written and fsynced to a private temp file opened O_EXCL, then link()ed to
 * its final name, which fails with EEXIST if someone else won the race.
 * Returns true when this call created the file.
 */
async function createKeyFileIfAbsent(path: string): Promise<boolean> {
  try {
    await fsp.access(path, fsc.F_OK);
    return false;
  } catch {
    // absent: fall through and create
  }
  const dir = dirname(path);
  await fsp.mkdir(dir, { recursive: true, mode: 0o700 });
  const tmp = join(dir, `.${basename(path)}.${randomBytes(6).toString('hex')}.tmp`);
  const key = randomBytes(KEY_BYTES);
  const handle = await fsp.open(tmp, fsc.O_CREAT | fsc.O_EXCL | fsc.O_WRONLY, 0o600);
  try {
    await handle.writeFile(key);
    await handle.sync();
  } finally {
    key.fill(0);
    await handle.close();
  }
  let created = true;
  try {
    await fsp.link(tmp, path);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
    created = false;
  } finally {
    await fsp.unlink(tmp);
  }
  await fsyncDir(dir);
  return created;
}

async function readKeyFile(path: string): Promise<{ key: Buffer; birth: Date }> {
  const handle = await fsp.open(path, fsc.O_RDONLY);
  try {
    const st = await handle.stat();
    // Refuse, rather than fix, a key readable by others: someone may already
    // have copied it, and the operator has to know.
    if ((st.mode & 0o077) !== 0) {
      throw new VaultError(
        VaultErrorCode.KeyFilePermissions,
        `master key file ${path} has mode ${(st.mode & 0o777).toString(8)}; it must be 600 (chmod 600 ${path})`,
      );
    }
    if (st.size !== KEY_BYTES) {
      throw new VaultError(
        VaultErrorCode.KeyFileSize,
        `master key file ${path} is ${st.size} bytes; a master key file holds exactly ${KEY_BYTES} bytes`,
      );
    }
    const key = Buffer.alloc(KEY_BYTES);
    const { bytesRead } = await handle.read(key, 0, KEY_BYTES, 0);
    if (bytesRead !== KEY_BYTES) {
      throw new VaultError(VaultErrorCode.KeyFileSize, `master key file ${path} could not be read in full`);
    }
    const birth = st.birthtimeMs > 0 ? st.birthtime : st.mtime;
    return { key, birth };
  } finally {
    await handle.close();
  }
}

export async function fsyncDir(dir: string): Promise<void> {
  const handle = await fsp.open(dir, fsc.O_RDONLY);
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
