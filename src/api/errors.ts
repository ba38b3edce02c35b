// One table from every layer's stable error code to an HTTP status, and the
// single JSON error shape: { "error": { "code", "message", "details"? } }.
import type { FastifyError, FastifyReply, FastifyRequest } from 'fastify';
import { AuditError } from '../audit/index.ts';
import { DirectoryError, type DirectoryErrorCode } from '../directory/index.ts';
import { VoicemailError, type VoicemailErrorCode } from '../voicemail/index.ts';

export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

const DIRECTORY_STATUS: Record<DirectoryErrorCode, number> = {
  NOT_FOUND: 404,
  EMAIL_TAKEN: 409,
  EXTENSION_TAKEN: 409,
  EXTENSION_RESERVED: 400,
  SIP_USERNAME_TAKEN: 409,
  LAST_OWNER: 409,
  USER_DISABLED: 409,
  FEATURE_NOT_IN_TIER: 403,
  FEATURE_OFF_BY_POLICY: 403,
  RETENTION_TOO_SHORT: 400,
  MFA_ALREADY_ENROLLED: 409,
  MFA_NOT_PENDING: 409,
  INVALID_INPUT: 400,
};

const VOICEMAIL_STATUS: Record<VoicemailErrorCode, number> = {
  VOICEMAIL_NOT_FOUND: 404,
  VOICEMAIL_RECORDING: 409,
  VOICEMAIL_BAD_AUDIO: 400,
  VOICEMAIL_LEGAL_HOLD: 409,
};

export function errorBody(code: string, message: string, details?: Record<string, unknown>) {
  return { error: { code, message, ...(details ? { details } : {}) } };
}

export function handleError(err: FastifyError | Error, request: FastifyRequest, reply: FastifyReply): void {
  if (err instanceof ApiError) {
    void reply.status(err.status).send(errorBody(err.code, err.message, err.details));
    return;
  }
  if (err instanceof DirectoryError) {
    void reply.status(DIRECTORY_STATUS[err.code]).send(errorBody(err.code, err.message, err.details));
    return;
  }
  if (err instanceof VoicemailError) {
    void reply.status(VOICEMAIL_STATUS[err.code]).send(errorBody(err.code, err.message));
    return;
  }
  if (err instanceof AuditError && err.code === 'audit.chain_conflict') {
    // Another writer won the race for this practice's chain; nothing was kept, a retry will do.
    void reply.status(503).header('retry-after', '1').send(errorBody('AUDIT_BUSY', 'the audit log was busy and nothing was changed; try again'));
    return;
  }
  // Any other AuditError is a bug (an event that could not be recorded): the action was rolled back; answer 500 below.
  const fe = err as FastifyError;
  if (fe.validation) {
    // Ajv's messages name the field and the rule, never the submitted value.
    const issues = fe.validation.map((v) => ({ path: `${fe.validationContext ?? 'body'}${v.instancePath || ''}`, rule: v.keyword, message: v.message ?? 'invalid' }));
    void reply.status(400).send(errorBody('VALIDATION_FAILED', `invalid request ${fe.validationContext ?? 'body'}: ${issues[0]?.path} ${issues[0]?.message}`, { issues }));
    return;
  }
  if (typeof fe.statusCode === 'number' && fe.statusCode >= 400 && fe.statusCode < 500) {
    // Fastify's own client errors (bad JSON, body too large, wrong content type).
    const code = fe.code === 'FST_ERR_CTP_BODY_TOO_LARGE' ? 'BODY_TOO_LARGE' : fe.code === 'FST_ERR_CTP_INVALID_MEDIA_TYPE' ? 'UNSUPPORTED_MEDIA_TYPE' : 'BAD_REQUEST';
    void reply.status(fe.statusCode).send(errorBody(code, code === 'BAD_REQUEST' ? 'the request could not be parsed' : fe.message));
    return;
  }
  request.log.error({ err }, 'unhandled error');
  void reply.status(500).send(errorBody('INTERNAL', 'internal error; see the server log for request id ' + request.id));
}
