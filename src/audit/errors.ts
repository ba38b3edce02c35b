/**
 * Audit failures. These are thrown, on purpose: an event that cannot be
 * recorded must make the surrounding transaction (and so the action) fail.
 */
export type AuditErrorCode =
  | 'AUDIT_EVENT_INVALID'
  | 'AUDIT_DETAILS_INVALID'
  | 'AUDIT_PHI_SUSPECTED'
  | 'AUDIT_CHAIN_CONFLICT'
  /** The chain's last event is not tagged under a key at hand (unkeyed, bad tag, or not the head row's): nothing is linked onto it. */
  | 'AUDIT_CHAIN_UNAUTHENTICATED'
  /** The chain's last event is under an audit key this process does not hold: the master key was rotated after it started (or the key id was forged). */
  | 'AUDIT_KEY_SUPERSEDED'
  /** The keyed-install marker beside the master key cannot be read or its tag does not check out (keyed-install.ts). */
  | 'AUDIT_MARKER_INVALID'
  /** The marker is another install's: under an audit key not at hand, or naming chains this database lacks. */
  | 'AUDIT_MARKER_FOREIGN'
  /** The install's audit log is keyed (its marker says so) and a chain ends in untagged events: rewritten behind Sotto. */
  | 'AUDIT_LOG_DOWNGRADED';

export class AuditError extends Error {
  override readonly name = 'AuditError';

  constructor(
    readonly code: AuditErrorCode,
    message: string,
    /** Where in the event the problem is, e.g. "details.callback"; never the offending value. */
    readonly path?: string,
  ) {
    super(message);
  }
}
