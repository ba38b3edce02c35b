/**
 * Audit failures. These are thrown, on purpose: an event that cannot be
 * recorded must make the surrounding transaction (and so the action) fail.
 */
export type AuditErrorCode =
  | 'audit.event_invalid'
  | 'audit.details_invalid'
  | 'audit.phi_suspected'
  | 'audit.chain_conflict';

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
