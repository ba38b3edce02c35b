// Typed vault errors. Every expected failure carries a stable code; callers
// (API, PBX, CLI) map codes to HTTP/SIP answers and audit events. Messages
// never contain PHI: only ids, codes and sizes.

export const VaultErrorCode = {
  /** A sealed blob, wrapped key or header failed authentication or framing. */
  Tampered: 'VAULT_TAMPERED',
  /** The master key file exists but is readable by group or others. */
  KeyFilePermissions: 'VAULT_KEY_FILE_PERMISSIONS',
  /** The master key file is not exactly 32 bytes. */
  KeyFileSize: 'VAULT_KEY_FILE_SIZE',
  /** A data key is wrapped under a master key the provider does not hold. */
  WrongMasterKey: 'VAULT_WRONG_MASTER_KEY',
  /** A data key id referenced by an object has no record. */
  KeyNotFound: 'VAULT_KEY_NOT_FOUND',
  /** No object with that id (in that practice). */
  NotFound: 'VAULT_NOT_FOUND',
  /** The object's content key was destroyed (crypto-shredded). */
  Shredded: 'VAULT_SHREDDED',
  /** The operation does not apply in the object's current state. */
  InvalidState: 'VAULT_INVALID_STATE',
  /** A legal hold forbids destroying the object. */
  LegalHold: 'VAULT_LEGAL_HOLD',
  /** A caller-supplied value is out of range (chunk size, retention days). */
  InvalidArgument: 'VAULT_INVALID_ARGUMENT',
  /** The blob store could not find the blob the record points to. */
  BlobMissing: 'VAULT_BLOB_MISSING',
} as const;

export type VaultErrorCode = (typeof VaultErrorCode)[keyof typeof VaultErrorCode];

export interface VaultErrorDetails {
  objectId?: string;
  practiceId?: string;
  keyId?: string;
  /** Short machine reason, e.g. 'chunk_auth', 'truncated', 'record_mismatch'. */
  reason?: string;
}

export class VaultError extends Error {
  readonly code: VaultErrorCode;
  readonly details: VaultErrorDetails;

  constructor(code: VaultErrorCode, message: string, details: VaultErrorDetails = {}, options?: { cause?: unknown }) {
    super(message, options);
    this.name = 'VaultError';
    this.code = code;
    this.details = details;
  }
}

export function isVaultError(err: unknown, code?: VaultErrorCode): err is VaultError {
  return err instanceof VaultError && (code === undefined || err.code === code);
}

/** The object is not there any more: destroyed (shredded, purged) or never committed. Not a fault of storage or keys. */
export function isGoneError(err: unknown): err is VaultError {
  return isVaultError(err) && (err.code === VaultErrorCode.NotFound || err.code === VaultErrorCode.Shredded);
}

export function tampered(reason: string, details: VaultErrorDetails = {}): VaultError {
  return new VaultError(VaultErrorCode.Tampered, `sealed data failed authentication (${reason})`, {
    ...details,
    reason,
  });
}
