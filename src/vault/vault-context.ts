// What the vault's parts share. Internal: callers use the Vault class.

import type { BlobStore } from './blob-store.ts';
import type { Clock, PracticeKeyring } from './practice-keyring.ts';
import type { ArtifactKind, VaultRepositories } from './repositories.ts';

/** pino-compatible subset. The vault logs ids and codes only, never content. */
export interface VaultLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
  error(fields: Record<string, unknown>, message: string): void;
}

export const silentLogger: VaultLogger = { info() {}, warn() {}, error() {} };

/** Raised for every authentication failure on read; audit/ records it. */
export interface TamperEvent {
  objectId: string;
  practiceId: string;
  kind: ArtifactKind;
  reason: string;
  at: Date;
}

export interface VaultContext {
  repos: VaultRepositories;
  store: BlobStore;
  keyring: PracticeKeyring;
  clock: Clock;
  logger: VaultLogger;
  onTampered: (event: TamperEvent) => void | Promise<void>;
  /** Called once a shred has destroyed an object's key (schedules the database scrub). */
  keysDestroyed: () => void;
}
