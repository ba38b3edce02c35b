// Public API of vault/. Other layers import from here only.

export { Vault, DEFAULT_CHUNK_SIZE, newObjectId } from './vault.ts';
export type { VaultOptions, NewObject, ObjectRef } from './vault.ts';
export { SealedWriter, systemScheduler } from './sealed-writer.ts';
export type { SealedWriterOptions, Scheduler } from './sealed-writer.ts';
export { VaultError, VaultErrorCode, isGoneError, isVaultError } from './errors.ts';
export type { VaultErrorDetails } from './errors.ts';
export type { KeyProvider } from './key-provider.ts';
export { FileKeyProvider, masterKeyIdOf } from './file-key-provider.ts';
export type { FileKeyProviderOptions } from './file-key-provider.ts';
export { rotateMasterKey, keyStatus } from './key-rotation.ts';
export type { RotationReport, KeyStatus, DataKeyStatus } from './key-rotation.ts';
export type { BlobStore, BlobAppender, BlobEntry, BlobState } from './blob-store.ts';
export { LocalBlobStore, newBlobRef } from './local-blob-store.ts';
export { MemoryBlobStore } from './memory-blob-store.ts';
export {
  DEFAULT_RETENTION_DAYS,
  AUDIT_LOG_MIN_YEARS,
  HOLD_REFERENCE_PATTERN,
  normalizeRetention,
  retentionDeadline,
} from './retention.ts';
export type { RetentionPolicy, NormalizedRetention } from './retention.ts';
export type { RecoveryReport, RecoverOptions } from './recovery.ts';
export type { PurgeReport } from './shred.ts';
export type { VaultLogger, TamperEvent } from './vault-context.ts';
export { systemClock } from './practice-keyring.ts';
export type { Clock } from './practice-keyring.ts';
export { ARTIFACT_KINDS, isArtifactKind, LOOKUP_LATER } from './repositories.ts';
export type {
  ArtifactKind,
  DataKeyRecord,
  DataKeyRepository,
  DeletionReason,
  DeletionReceipt,
  DeletionReceiptRepository,
  ObjectRecord,
  ObjectRepository,
  ObjectState,
  UserHold,
  UserHoldRepository,
  VaultRepositories,
} from './repositories.ts';
export { MemoryVaultRepositories } from './memory-repositories.ts';
export type { MemorySnapshot } from './memory-repositories.ts';
export { canTransition, Transitions } from './object-state.ts';
export { rotateMasterKeyFile } from './key-file-rotation.ts';
export type { KeyFileRotation } from './key-file-rotation.ts';
export { openLocalVault } from './local-vault.ts';
export type { LocalVaultOptions, LocalVault } from './local-vault.ts';
