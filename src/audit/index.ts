/** Public API of the audit layer. */
export { AuditLog, type AuditClock, type AuditLogOptions } from './audit-log.ts';
export {
  ACTOR_TYPES,
  INSTALLATION_CHAIN,
  OUTCOMES,
  chainKeyFor,
  validateEventInput,
  type ActorType,
  type AuditActor,
  type AuditEvent,
  type AuditEventBody,
  type AuditEventInput,
  type AuditObject,
  type AuditOutcome,
} from './event.ts';
export { AuditError, type AuditErrorCode } from './errors.ts';
export { assertSafeDetails, phiKindOf, type AuditDetailValue, type AuditDetails, type PhiKind } from './phi-guard.ts';
export { canonicalJson, type CanonicalValue } from './canonical.ts';
export { EMPTY_HEAD, GENESIS_HASH, canonicalEventBody, computeEventHash, linkEvent, type ChainHead } from './chain.ts';
export {
  ChainVerifier,
  isAuditEvent,
  verifyChain,
  verifyChainAsync,
  type ChainBreak,
  type ChainBreakReason,
  type ChainVerification,
  type KeyedFrom,
  type KeySegment,
  type VerifyOptions,
} from './verify.ts';
export { auditKeyring, deriveAuditKey, isAuditKeyId, keyById, macMatches, macOf, type AuditKey, type AuditKeyring } from './audit-key.ts';
export { checkpointChain, checkpointChains, type CheckpointOptions, type CheckpointOutcome } from './checkpoint.ts';
export { verifyStore, verifyStoredChain, type ChainReport } from './verify-store.ts';
export { KEYED_MARKER_FORMAT, checkKeyedMarker, writeKeyedMarker, type KeyedMarker, type MarkerCheck } from './keyed-marker.ts';
export { markerPathFor, readMarkerFile, writeMarkerFile, type MarkerFile } from './marker-file.ts';
export { secureKeyedInstall, type KeyedInstallCode, type KeyedInstallOptions, type KeyedInstallProblem, type KeyedInstallReport } from './keyed-install.ts';
export { MemoryAuditStore, type AuditRange, type AuditStore, type ChainTail, type MemoryAuditTx } from './store.ts';
export { assertTailAuthentic } from './append-guard.ts';
export { EXPORT_FORMAT, EXPORT_VERSION, exportChain, verifyExport, type ExportFailure, type ExportHeader, type ExportVerification } from './export.ts';
export { AUDIT_ACTIONS, isBreakGlassAction, type AuditAction } from './actions.ts';
