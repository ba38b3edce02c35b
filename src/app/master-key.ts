// The master key file: 32 random bytes, owner-only, created on first start.
// It wraps every practice's data key (vault/); losing it loses the data, so
// the README tells operators to back it up apart from the data dir.
import { randomBytes } from 'node:crypto';
import { closeSync, constants, fstatSync, mkdirSync, openSync, readFileSync, writeSync, fsyncSync } from 'node:fs';
import { dirname } from 'node:path';

export class MasterKeyError extends Error {
  readonly code = 'MASTER_KEY_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'MasterKeyError';
  }
}

export function loadOrCreateMasterKey(path: string): Buffer {
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
