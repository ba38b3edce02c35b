// The master key file: 32 random bytes, owner-only, created on first start.
// It wraps every practice's data key (vault/); losing it loses the data, so
// the README tells operators to back it up apart from the data dir.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, existsSync, fstatSync, mkdirSync, openSync, readdirSync, readFileSync, writeSync, fsyncSync } from 'node:fs';
import { basename, dirname, join } from 'node:path';

export class MasterKeyError extends Error {
  constructor(
    message: string,
    readonly code: 'MASTER_KEY_INVALID' | 'MASTER_KEY_MISSING' | 'MASTER_KEY_MISMATCH' | 'MASTER_KEY_ROTATION_UNFINISHED' = 'MASTER_KEY_INVALID',
  ) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

/**
 * The master key file, created on first start. `wrappedDataKeys` is how
 * many secrets the database already holds sealed under a master key
 * (practice data keys, two-factor secrets): with any, a missing
 * file is a mistyped SOTTO_MASTER_KEY_FILE or a data dir restored without
 * its key, and a new key would open none of them (and seal new data under a
 * key no backup has), so it is refused instead of created.
 */
export function loadOrCreateMasterKey(path: string, wrappedDataKeys = 0): Buffer {
  if (wrappedDataKeys > 0 && !existsSync(path)) {
    throw new MasterKeyError(
      `SOTTO_MASTER_KEY_FILE: ${path} does not exist, but the database holds ${wrappedDataKeys} secret(s) sealed under a master key (practice data keys, two-factor secrets): restore the key file from your backup or point SOTTO_MASTER_KEY_FILE at it (a new key would open none of the stored data)`,
      'MASTER_KEY_MISSING',
    );
  }
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  try {
    const fd = openSync(path, constants.O_WRONLY | constants.O_CREAT | constants.O_EXCL, 0o600);
    try {
      writeSync(fd, randomBytes(32));
      fsyncSync(fd);
    } finally {
      closeSync(fd);
    }
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  const fd = openSync(path, 'r');
  try {
    const st = fstatSync(fd);
    if ((st.mode & 0o077) !== 0) throw new MasterKeyError(`SOTTO_MASTER_KEY_FILE: ${path} must be readable by its owner only (chmod 600)`);
    if (st.size !== 32) throw new MasterKeyError(`SOTTO_MASTER_KEY_FILE: ${path} must hold exactly 32 bytes, found ${st.size}`);
  } finally {
    closeSync(fd);
  }
  return readFileSync(path);
}

/**
 * The master keys `sotto keys rotate` retired beside the current one
 * (`<key>.retired-<id>`, kept until the operator destroys them): the audit
 * log checks tags written under them and checkpoints its chains onto the
 * current key (src/audit/checkpoint.ts). Files that are not a 32-byte key
 * are skipped.
 */
export function loadRetiredMasterKeys(path: string): Buffer[] {
  const prefix = `${basename(path)}.retired-`;
  let names: string[];
  try {
    names = readdirSync(dirname(path)).filter((n) => n.startsWith(prefix)).sort();
  } catch {
    return [];
  }
  const keys: Buffer[] = [];
  for (const name of names) {
    try {
      const key = readFileSync(join(dirname(path), name));
      if (key.length === 32) keys.push(key);
    } catch {
      // Unreadable: as if destroyed.
    }
  }
  return keys;
}
