// Expected failures of directory commands, with stable codes. The API maps
// each code to an HTTP status in one table (api/errors.ts).

export type DirectoryErrorCode =
  | 'NOT_FOUND'
  | 'EMAIL_TAKEN'
  | 'EXTENSION_TAKEN'
  | 'EXTENSION_RESERVED'
  | 'SIP_USERNAME_TAKEN'
  | 'LAST_OWNER'
  | 'USER_DISABLED'
  | 'FEATURE_NOT_IN_TIER'
  | 'FEATURE_OFF_BY_POLICY'
  | 'RETENTION_TOO_SHORT'
  | 'MFA_ALREADY_ENROLLED'
  | 'MFA_NOT_PENDING'
  | 'INVALID_INPUT';

export class DirectoryError extends Error {
  constructor(
    readonly code: DirectoryErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'DirectoryError';
  }
}
