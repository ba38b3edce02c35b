import { chmodSync, mkdirSync, statSync } from 'node:fs';
import { ConfigError } from './config.ts';

/** Creates the data dir owner-only (0700) and tightens an existing one; one that cannot be used is SOTTO_DATA_DIR's error. */
export function ensureDataDir(dir: string): void {
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
    const st = statSync(dir);
    if (!st.isDirectory()) throw Object.assign(new Error('not a directory'), { code: 'ENOTDIR' });
    if ((st.mode & 0o777) !== 0o700) chmodSync(dir, 0o700);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === undefined) throw e;
    throw new ConfigError('SOTTO_DATA_DIR', `cannot use ${dir} as the data dir (${code === 'EEXIST' ? 'ENOTDIR' : code})`);
  }
}
