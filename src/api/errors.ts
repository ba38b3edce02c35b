// One table from every layer's stable error code to the API's code (whose
// HTTP status is in error-codes.ts), and the single JSON error shape:
// { "error": { "code", "message", "details"? } }.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AuditError, type AuditErrorCode } from '../audit/index.ts';
import { DirectoryError, DISPLAY_TEXT_PATTERN, type DirectoryErrorCode } from '../directory/index.ts';
import { isVaultError, VaultErrorCode } from '../vault/index.ts';
import { VoicemailError, type VoicemailErrorCode } from '../voicemail/index.ts';
import { driverCodeOf, isDatabaseUnavailable, isTextRefusedByDatabase } from './database-unavailable.ts';
import { retryAfterOf, statusOf, type ApiErrorCode } from './error-codes.ts';

export { API_ERROR_CODES, statusOf, type ApiErrorCode } from './error-codes.ts';

export class ApiError extends Error {
  readonly status: number;
  constructor(
    readonly code: ApiErrorCode,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
    this.status = statusOf(code);
  }
}

// The directory's own codes go out unchanged but one: its INVALID_INPUT (a
// value the schema let through and a domain rule refused) is, to a client,
// the same mistake as a schema failure, so it is answered alike.
const DIRECTORY_CODES: Record<DirectoryErrorCode, ApiErrorCode> = {
  NOT_FOUND: 'NOT_FOUND',
  EMAIL_TAKEN: 'EMAIL_TAKEN',
  EXTENSION_TAKEN: 'EXTENSION_TAKEN',
  EXTENSION_RESERVED: 'EXTENSION_RESERVED',
  SIP_USERNAME_TAKEN: 'SIP_USERNAME_TAKEN',
  LAST_OWNER: 'LAST_OWNER',
  USER_DISABLED: 'USER_DISABLED',
  FEATURE_NOT_IN_TIER: 'FEATURE_NOT_IN_TIER',
  FEATURE_OFF_BY_POLICY: 'FEATURE_OFF_BY_POLICY',
  RETENTION_TOO_SHORT: 'RETENTION_TOO_SHORT',
  MFA_ALREADY_ENROLLED: 'MFA_ALREADY_ENROLLED',
  MFA_NOT_PENDING: 'MFA_NOT_PENDING',
  INVALID_INPUT: 'VALIDATION_FAILED',
};

const VOICEMAIL_CODES: Record<VoicemailErrorCode, ApiErrorCode> = {
  VOICEMAIL_NOT_FOUND: 'VOICEMAIL_NOT_FOUND',
  VOICEMAIL_RECORDING: 'VOICEMAIL_RECORDING',
  VOICEMAIL_BAD_AUDIO: 'VOICEMAIL_BAD_AUDIO',
  VOICEMAIL_LEGAL_HOLD: 'VOICEMAIL_LEGAL_HOLD',
};

/** Vault failures that say "cannot be read here now" (storage gone, wrong key file), not "tampered" (a 500 and an alarm). */
const VAULT_UNAVAILABLE: ReadonlySet<string> = new Set([VaultErrorCode.BlobMissing, VaultErrorCode.WrongMasterKey, VaultErrorCode.KeyNotFound]);

/** The append guard's refusals: the chain's last event is not tagged under a key this process holds. */
const REFUSED_BY_AUDIT_GUARD: ReadonlySet<AuditErrorCode> = new Set<AuditErrorCode>(['AUDIT_CHAIN_UNAUTHENTICATED', 'AUDIT_KEY_SUPERSEDED']);

/** Where a directory field lives in the request, for `details.issues[].path`. */
const DIRECTORY_FIELD_PATHS: Record<string, string> = { userId: 'params/id' };

/**
 * Ajv words a pattern failure as 'must match pattern "<the regex>"'. Where a
 * person typed the value (the portal shows the message), the rule is said
 * instead.
 */
const PATTERN_RULES = new Map<string, string>([[DISPLAY_TEXT_PATTERN, 'must be one line of text, not blank, without control characters or text-direction overrides']]);

function issueMessage(v: { keyword: string; params: Record<string, unknown>; message?: string }): string {
  const pattern = v.keyword === 'pattern' ? v.params['pattern'] : undefined;
  return (typeof pattern === 'string' ? PATTERN_RULES.get(pattern) : undefined) ?? v.message ?? 'invalid';
}

export interface ValidationIssue {
  readonly path: string;
  readonly rule: string;
  readonly message: string;
}

type AjvIssue = { instancePath: string; keyword: string; params: Record<string, unknown>; message?: string };

/**
 * Ajv's errors as `{ path, rule, message }`: they name the field and the
 * rule, never the submitted value. A choice among fixed values (a union of
 * literals: role, tier, kind) fails as one "must be equal to constant" per
 * value and a closing "must match a schema in anyOf"; those become one issue
 * naming the values the API documents.
 */
export function validationIssues(errors: readonly AjvIssue[], context: string): ValidationIssue[] {
  const choices = new Map<string, string[]>();
  for (const e of errors) {
    const value = e.keyword === 'const' ? e.params['allowedValue'] : undefined;
    if (typeof value !== 'string' && typeof value !== 'number' && typeof value !== 'boolean') continue;
    choices.set(e.instancePath, [...(choices.get(e.instancePath) ?? []), String(value)]);
  }
  const out: ValidationIssue[] = [];
  for (const e of errors) {
    const path = `${context}${e.instancePath || ''}`;
    const values = choices.get(e.instancePath);
    if (values && e.keyword === 'const') continue;
    if (values && e.keyword === 'anyOf') out.push({ path, rule: 'enum', message: `must be one of: ${values.join(', ')}` });
    else out.push({ path, rule: e.keyword, message: issueMessage(e) });
  }
  return out;
}

export function errorBody(code: ApiErrorCode, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

function send(reply: FastifyReply, code: ApiErrorCode, message: string, details?: Record<string, unknown>): void {
  const retry = retryAfterOf(code);
  if (retry !== undefined && !reply.hasHeader('retry-after')) void reply.header('retry-after', String(retry));
  void reply.status(statusOf(code)).send(errorBody(code, message, details));
}

export function handleError(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof ApiError) return send(reply, err.code, err.message, err.details);
  if (err instanceof DirectoryError) {
    const code = DIRECTORY_CODES[err.code];
    if (code === 'VALIDATION_FAILED') {
      const field = typeof err.details?.['field'] === 'string' ? err.details['field'] : undefined;
      const path = field === undefined ? 'body' : (DIRECTORY_FIELD_PATHS[field] ?? `body/${field.replaceAll('.', '/')}`);
      // The directory's message is written for the person at the portal; it goes out as it is.
      return send(reply, code, err.message, { issues: [{ path, rule: 'domain', message: err.message }] });
    }
    return send(reply, code, err.message, err.details);
  }
  if (err instanceof VoicemailError) return send(reply, VOICEMAIL_CODES[err.code], err.message);
  if (err instanceof AuditError && err.code === 'AUDIT_CHAIN_CONFLICT') {
    // Another writer won the race for this practice's chain; nothing was kept, a retry will do.
    return send(reply, 'AUDIT_BUSY', 'the audit log was busy and nothing was changed; try again');
  }
  if (err instanceof AuditError && REFUSED_BY_AUDIT_GUARD.has(err.code)) {
    // The append guard (audit/append-guard.ts) threw inside the action's transaction, which rolled back whole.
    // The code and nothing else: the message names the chain, and a client needs no more than "an operator must look".
    request.log.error({ code: err.code }, 'audit log refused to link an event: action not performed');
    return send(reply, 'AUDIT_UNAVAILABLE', 'the audit log cannot record this action, so nothing was changed; an administrator must check the audit log (`sotto audit verify`)');
  }
  // Any other AuditError is a bug (an event that could not be recorded): the action was rolled back; answer 500 below.
  if (isVaultError(err) && VAULT_UNAVAILABLE.has(err.code)) {
    request.log.error({ code: err.code }, 'sealed data could not be read');
    return send(reply, 'VAULT_UNAVAILABLE', 'the sealed audio cannot be read right now; the server log says why');
  }
  if (isDatabaseUnavailable(err)) {
    // The transaction, if any, was rolled back with the connection: nothing was written.
    request.log.warn({ code: driverCodeOf(err) }, 'database unavailable');
    return send(reply, 'DATABASE_UNAVAILABLE', 'the database is not reachable right now and nothing was changed; try again shortly');
  }
  if (isTextRefusedByDatabase(err)) {
    // A field rule missed a character PostgreSQL cannot hold (NUL): still the client's input, still a 400. Logged, as a rule is missing.
    request.log.warn({ code: driverCodeOf(err) }, 'database refused a text value: a field rule should have');
    const issue = { path: request.body === undefined ? 'querystring' : 'body', rule: 'encoding', message: 'text may not contain NUL characters' };
    return send(reply, 'VALIDATION_FAILED', `invalid request: ${issue.path} ${issue.message}`, { issues: [issue] });
  }
  const fe = err as FastifyError;
  if (fe.validation) {
    const issues = validationIssues(fe.validation, fe.validationContext ?? 'body');
    return send(reply, 'VALIDATION_FAILED', `invalid request ${fe.validationContext ?? 'body'}: ${issues[0]?.path} ${issues[0]?.message}`, { issues });
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors (bad JSON, body too large, wrong content type, a bad URL).
    // Their messages can quote what was sent, so ours go out instead.
    if (fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE') return send(reply, 'BODY_TOO_LARGE', 'the request body is over the size limit');
    if (fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE') return send(reply, 'UNSUPPORTED_MEDIA_TYPE', 'this route does not take a body of that content type');
    return send(reply, 'BAD_REQUEST', 'the request could not be parsed');
  }
  request.log.error({ err }, 'unhandled error');
  send(reply, 'INTERNAL', 'internal error; see the server log for request id ' + request.id);
}
