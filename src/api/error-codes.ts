/**
 * Every error code the HTTP API answers with, its one HTTP status, and when a
 * client sees it. This table is the contract: the error handler takes each
 * status from here, the OpenAPI document lists the codes per response, and a
 * test holds the README's table to it (test/api/error-codes-readme.test.ts).
 *
 * The rule for input errors, which a client can rely on:
 *  - 400 VALIDATION_FAILED: a field of the request (body, path or query) is
 *    missing, unknown, of the wrong type, or breaks a rule on its value,
 *    whether the schema or the directory caught it. `details.issues` lists
 *    `{ path, rule, message }` (path like "body/extension"); fix the field and
 *    send it again.
 *  - 400 BAD_REQUEST: the request could not be parsed at all (broken JSON, not
 *    UTF-8, not HTTP).
 *  - Any other 400 code names a domain rule the request broke as a whole
 *    (a reserved extension, an audit retention under six years, …).
 * Whatever the code, a 4xx changed nothing.
 */
export interface ApiErrorSpec {
  readonly status: number;
  /** When a client gets it; shown in the README's table. */
  readonly when: string;
  /**
   * 503s say when a retry is worth it (RFC 9110 10.2.3); a 429 computes its
   * own. A 503 without one (AUDIT_UNAVAILABLE) needs an operator first.
   */
  readonly retryAfterSeconds?: number;
}

export const API_ERROR_CODES = {
  VALIDATION_FAILED: { status: 400, when: 'a field (body, path or query) is missing, unknown, of the wrong type or breaks a rule on its value; `details.issues` lists `{ path, rule, message }`' },
  BAD_REQUEST: { status: 400, when: 'the request could not be parsed: a body of broken or empty JSON or of bytes that are not UTF-8, or bytes that are not HTTP (a raw non-ASCII byte in the path, the tail of a body longer than its `Content-Length`)' },
  EXTENSION_RESERVED: { status: 400, when: 'the extension is an emergency or carrier number (911, 988, 411 …)' },
  RETENTION_TOO_SHORT: { status: 400, when: 'audit log retention under six years' },
  VOICEMAIL_BAD_AUDIO: { status: 400, when: 'a greeting that is not an 8 kHz mono WAV (PCM16 or G.711) of 0.5 s to 2 min' },
  MFA_CODE_INVALID: { status: 400, when: 'the authenticator code confirming two-factor enrolment, or asking for new recovery codes, does not match (asking for codes, it counts towards the sign-in lockout)' },
  WEAK_PASSWORD: { status: 400, when: 'a new password the rules refuse: under 12 or over 128 characters, a commonly used one, or made of the name, email or practice; `details.issues` says which, at `body/newPassword`' },
  SAME_PASSWORD: { status: 400, when: 'the new password is the current one' },

  UNAUTHENTICATED: { status: 401, when: 'no API token or session, or one that is not valid (revoked, user disabled)' },
  SESSION_IDLE_TIMEOUT: { status: 401, when: 'the portal session was idle too long' },
  SESSION_EXPIRED: { status: 401, when: 'the portal session reached its maximum length' },
  MFA_REQUIRED: { status: 401, when: 'the session passed its password and waits for the second factor' },
  INVALID_CREDENTIALS: { status: 401, when: 'sign-in failed (the same answer whatever was wrong)' },

  FORBIDDEN: { status: 403, when: "the caller's role may not do this (deny by default)" },
  CSRF_REJECTED: { status: 403, when: 'a cookie request that changes state came without the portal origin or CSRF token' },
  MFA_ENROLMENT_REQUIRED: { status: 403, when: 'an owner or admin on the portal must set up two-factor sign-in first' },
  FEATURE_NOT_IN_TIER: { status: 403, when: "the practice's plan does not include the feature" },
  FEATURE_OFF_BY_POLICY: { status: 403, when: "the practice's policy turned the feature off" },
  BREAK_GLASS_READ_ONLY: { status: 403, when: 'break-glass access may read a voicemail, not change or delete it' },
  CURRENT_PASSWORD_WRONG: { status: 403, when: 'the current password sent with a password change is not right (it counts towards the sign-in lockout)' },

  NOT_FOUND: { status: 404, when: 'no such route, or no such object in this practice' },
  VOICEMAIL_NOT_FOUND: { status: 404, when: 'no such voicemail or box, or not one the caller may read (the same answer)' },

  EMAIL_TAKEN: { status: 409, when: 'a user with this email already exists in the practice' },
  EXTENSION_TAKEN: { status: 409, when: 'the extension is in use' },
  SIP_USERNAME_TAKEN: { status: 409, when: 'the SIP username is in use' },
  LAST_OWNER: { status: 409, when: 'the change would leave the practice without an active owner' },
  USER_DISABLED: { status: 409, when: 'the user is disabled' },
  MFA_ALREADY_ENROLLED: { status: 409, when: 'two-factor sign-in is already set up' },
  MFA_NOT_PENDING: { status: 409, when: 'two-factor enrolment was not started' },
  MFA_NOT_ENROLLED: { status: 409, when: 'two-factor sign-in is not set up (recovery codes come with it)' },
  CANNOT_DISABLE_SELF: { status: 409, when: 'an admin tried to disable their own account' },
  CANNOT_RESET_SELF: { status: 409, when: 'an admin tried to reset their own password or two-step sign-in (change your own password with `POST /session/password`)' },
  NOT_A_SESSION: { status: 409, when: 'sign-out or new recovery codes with an API token (revoke the token instead; recovery codes belong to a portal sign-in)' },
  VOICEMAIL_RECORDING: { status: 409, when: 'the message is still being recorded' },
  VOICEMAIL_LEGAL_HOLD: { status: 409, when: 'the message, or the user who owns it, is under a legal hold' },

  REQUEST_TIMEOUT: { status: 408, when: 'the request line and headers did not arrive in time; the connection is closed' },
  BODY_TOO_LARGE: { status: 413, when: 'the body is over the limit (64 KiB; 4 MiB for a greeting)' },
  UNSUPPORTED_MEDIA_TYPE: { status: 415, when: 'a body of a type the route does not take (JSON in UTF-8; audio/wav for a greeting), or sent compressed (a `Content-Encoding` other than identity; the answer carries `Accept-Encoding: identity`)' },
  HEADERS_TOO_LARGE: { status: 431, when: 'the request line and headers together are over 16 KiB (a long query string counts); nothing was read' },
  SIGN_IN_THROTTLED: { status: 429, when: 'too many failed sign-ins (or wrong current passwords) from this address or for this account; `Retry-After` says when to try again' },

  INTERNAL: { status: 500, when: 'a bug; the server log has the request id, nothing was changed' },
  DATABASE_UNAVAILABLE: { status: 503, retryAfterSeconds: 5, when: 'the database cannot be reached or is locked by another process; nothing was changed' },
  AUDIT_BUSY: { status: 503, retryAfterSeconds: 1, when: 'another writer held the audit log; nothing was changed' },
  // No Retry-After: waiting does not help. The chain stays refused until an operator acts (README, Audit log).
  AUDIT_UNAVAILABLE: {
    status: 503,
    when: "the audit log refused to record the action, so nothing was changed: its chain does not end in an event tagged under this server's audit key (rewritten behind Sotto, or `sotto keys rotate` ran since the server started); the server log has the audit code; an operator runs `sotto audit verify`",
  },
  VAULT_UNAVAILABLE: { status: 503, retryAfterSeconds: 30, when: 'sealed audio could not be read from storage or opened with the master key (the server log has the vault code)' },
  VOICEMAIL_UNAVAILABLE: { status: 503, retryAfterSeconds: 60, when: 'voicemail is not running on this server' },
  RETENTION_UNAVAILABLE: { status: 503, retryAfterSeconds: 60, when: 'retention and legal holds are not running on this server (no vault)' },
} as const satisfies Record<string, ApiErrorSpec>;

export type ApiErrorCode = keyof typeof API_ERROR_CODES;

export function statusOf(code: ApiErrorCode): number {
  return API_ERROR_CODES[code].status;
}

export function retryAfterOf(code: ApiErrorCode): number | undefined {
  const spec: ApiErrorSpec = API_ERROR_CODES[code];
  return spec.retryAfterSeconds;
}

export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(API_ERROR_CODES, code);
}
