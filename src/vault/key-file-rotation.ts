// `sotto keys rotate` for the file key provider: a new key file replaces the
// configured one once every data key is re-wrapped under it. Each step can
// be interrupted and the command run again:
//   1. <key>.next is created (or reused if an earlier run left it);
//   2. data keys are re-wrapped old -> next (compare-and-set per row);
//   3. the old key is hard-linked to <key>.retired-<id>, then <key>.next is
//      renamed over <key> (atomic), and the directory is synced.
// The retired key is kept, not deleted: database backups taken before the
// rotation still need it. The operator moves it offline or destroys it.

import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';
import { FileKeyProvider, fsyncDir } from './file-key-provider.ts';
import { rotateMasterKey, type RotationReport } from './key-rotation.ts';
import { systemClock, type Clock } from './practice-keyring.ts';
import type { DataKeyRepository } from './repositories.ts';

export interface KeyFileRotation {
  report: RotationReport;
  /** Where the previous master key now lives. */
  retiredKeyPath: string;
}

export async function rotateMasterKeyFile(
  dataKeys: DataKeyRepository,
  keyPath: string,
  clock: Clock = systemClock,
): Promise<KeyFileRotation> {
  const current = await FileKeyProvider.open({ path: keyPath, create: false });
  const nextPath = `${keyPath}.next`;
  const next = await FileKeyProvider.open({ path: nextPath });
  const report = await rotateMasterKey(dataKeys, current, next, clock);
  const retiredKeyPath = `${keyPath}.retired-${report.fromMasterKeyId}`;
  try {
    await fsp.link(keyPath, retiredKeyPath);
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'EEXIST') throw err;
  }
  await fsp.rename(nextPath, keyPath);
  await fsyncDir(dirname(keyPath));
  return { report, retiredKeyPath };
}
