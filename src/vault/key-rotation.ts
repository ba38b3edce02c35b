// `sotto keys rotate` and `sotto keys status`. Rotation re-wraps each
// practice data key under the new master key; blobs and per-object content
// keys are untouched, so rotation costs one unwrap+wrap per practice no
// matter how much is stored. It is resumable: each row is switched by
// compare-and-set on its master key id, so a crashed rotation is finished
// by running it again with the same two providers.

import { VaultError, VaultErrorCode } from './errors.ts';
import type { KeyProvider } from './key-provider.ts';
import { dataKeyAad, systemClock, type Clock } from './practice-keyring.ts';
import type { DataKeyRepository } from './repositories.ts';

export interface RotationReport {
  fromMasterKeyId: string;
  toMasterKeyId: string;
  rewrapped: number;
  alreadyCurrent: number;
  /** Keys wrapped under neither master key: left alone, listed by id. */
  unknownMaster: string[];
}

export async function rotateMasterKey(
  dataKeys: DataKeyRepository,
  oldProvider: KeyProvider,
  newProvider: KeyProvider,
  clock: Clock = systemClock,
): Promise<RotationReport> {
  const fromId = await oldProvider.masterKeyId();
  const toId = await newProvider.masterKeyId();
  if (fromId === toId) {
    throw new VaultError(VaultErrorCode.InvalidArgument, `new master key ${toId} is the current master key`);
  }
  const report: RotationReport = { fromMasterKeyId: fromId, toMasterKeyId: toId, rewrapped: 0, alreadyCurrent: 0, unknownMaster: [] };
  for (const record of await dataKeys.listAll()) {
    if (record.masterKeyId === toId) {
      report.alreadyCurrent += 1;
      continue;
    }
    if (record.masterKeyId !== fromId) {
      report.unknownMaster.push(record.keyId);
      continue;
    }
    const aad = dataKeyAad(record.practiceId, record.keyId);
    const key = await oldProvider.unwrap(record.wrappedKey, aad);
    try {
      const wrappedKey = await newProvider.wrap(key, aad);
      // Prove the new wrap opens before the old one is overwritten.
      const check = await newProvider.unwrap(wrappedKey, aad);
      if (!check.equals(key)) throw new Error('re-wrapped data key does not round-trip');
      check.fill(0);
      const switched = await dataKeys.rewrap(record.keyId, fromId, { wrappedKey, masterKeyId: toId, rotatedAt: clock.now() });
      if (switched) report.rewrapped += 1;
      else report.alreadyCurrent += 1;
    } finally {
      key.fill(0);
    }
  }
  return report;
}

export interface DataKeyStatus {
  practiceId: string;
  keyId: string;
  masterKeyId: string;
  /** Wrapped under the provider's current master key. */
  current: boolean;
  createdAt: Date;
  rotatedAt: Date | null;
  ageDays: number;
}

export interface KeyStatus {
  provider: string;
  masterKeyId: string;
  masterKeyCreatedAt: Date | null;
  masterKeyAgeDays: number | null;
  dataKeys: DataKeyStatus[];
  /** Data keys still wrapped under another master key (an unfinished rotation). */
  staleDataKeys: number;
}

const DAY_MS = 86_400_000;

export async function keyStatus(dataKeys: DataKeyRepository, provider: KeyProvider, clock: Clock = systemClock): Promise<KeyStatus> {
  const now = clock.now().getTime();
  const masterKeyId = await provider.masterKeyId();
  const masterCreated = (await provider.createdAt()) ?? null;
  const keys = (await dataKeys.listAll()).map(
    (r): DataKeyStatus => ({
      practiceId: r.practiceId,
      keyId: r.keyId,
      masterKeyId: r.masterKeyId,
      current: r.masterKeyId === masterKeyId,
      createdAt: r.createdAt,
      rotatedAt: r.rotatedAt,
      ageDays: Math.floor((now - r.createdAt.getTime()) / DAY_MS),
    }),
  );
  return {
    provider: provider.kind,
    masterKeyId,
    masterKeyCreatedAt: masterCreated,
    masterKeyAgeDays: masterCreated ? Math.floor((now - masterCreated.getTime()) / DAY_MS) : null,
    dataKeys: keys,
    staleDataKeys: keys.filter((k) => !k.current).length,
  };
}
