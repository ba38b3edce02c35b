import { chmodSync, mkdirSync, statSync } from 'node:fs';

/** Creates the data dir owner-only (0700) and tightens an existing one. */
export function ensureDataDir(dir: string): void {
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const mode = statSync(dir).mode & 0o777;
  if (mode !== 0o700) chmodSync(dir, 0o700);
}
