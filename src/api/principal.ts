// Authentication and authorisation for API requests. Deny by default: a route
// without an access rule is refused. Two ways in: a bearer API token, or the
// portal's session cookie. Cookie-authenticated requests that change state
// must pass the CSRF check (auth/csrf.ts); bearer tokens carry no ambient
// credential and are exempt.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import { checkCsrf, CSRF_HEADER, readSessionCookie, resolveSession, type SessionContext, type SessionRecord } from '../auth/index.ts';
import type { Database } from '../db/index.ts';
import { authenticateApiToken, getPortalAccount, type Role } from '../directory/index.ts';
import { decideRouteAccess, mfaRequiredFor, type Access } from './access-policy.ts';
import { ApiError, type ApiErrorCode } from './errors.ts';

export type { Access } from './access-policy.ts';

export interface Principal {
  practiceId: string;
  userId: string;
  role: Role;
  via: 'token' | 'session';
  /** The API token's id, or the session's id hash. */
  credentialId: string;
  /** False for an owner/admin on a cookie session who has not set up MFA. */
  mfaSatisfied: boolean;
  mfaEnrolled: boolean;
  /** Cookie sessions only. */
  session?: { token: string; record: SessionRecord };
}

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    access?: Access;
    /** Reachable by an owner/admin who still has to set up MFA (enrolment, who-am-I, sign-out). */
    allowWithoutMfa?: boolean;
    /**
     * Codes this route's handler and commands raise, beyond those every route
     * of its kind can answer (route-errors.ts); listed in the OpenAPI document.
     */
    errors?: readonly ApiErrorCode[];
  }
}

/** What the API needs to recognise a portal session. */
export interface SessionGate {
  sessions: SessionContext;
  csrfSecret: Uint8Array;
  /** Serialised origins the portal is served from, e.g. "https://pbx.example.com". */
  allowedOrigins: readonly string[];
  /** Cookies get Secure and the __Host- prefix when the portal is served over TLS. */
  cookieSecure: boolean;
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

export function sessionTokenOf(request: FastifyRequest, gate: SessionGate): string | null {
  return readSessionCookie(request.headers.cookie, { secure: gate.cookieSecure });
}

const SESSION_FAILURES: Record<string, [ApiErrorCode, string]> = {
  'session.idle_timeout': ['SESSION_IDLE_TIMEOUT', 'signed out after a period of inactivity; sign in again'],
  'session.expired': ['SESSION_EXPIRED', 'the session reached its maximum length; sign in again'],
  'session.mfa_required': ['MFA_REQUIRED', 'enter the code from your authenticator app first'],
};

export function authenticate(db: Kysely<Database>, gate: SessionGate) {
  return async (request: FastifyRequest): Promise<void> => {
    const access = request.routeOptions.config?.access;
    if (access === 'public') return;
    const token = bearerToken(request);
    if (token) {
      const auth = await authenticateApiToken(db, token);
      if (!auth) throw new ApiError('UNAUTHENTICATED', 'the API token is not valid');
      request.principal = { practiceId: auth.practiceId, userId: auth.userId, role: auth.role, via: 'token', credentialId: auth.tokenId, mfaSatisfied: true, mfaEnrolled: false };
      return;
    }
    const cookie = sessionTokenOf(request, gate);
    if (!cookie) throw new ApiError('UNAUTHENTICATED', 'sign in or send an API token as "Authorization: Bearer <token>"');
    const resolved = await resolveSession(gate.sessions, cookie, access === 'mfa-pending' ? 'mfa_pending' : 'active');
    if (!resolved.ok) {
      const [code, message] = SESSION_FAILURES[resolved.error.code] ?? ['UNAUTHENTICATED', 'the session is not valid; sign in again'];
      throw new ApiError(code, message);
    }
    const record = resolved.value;
    const account = await getPortalAccount(db, record.practiceId, record.userId);
    if (!account || !account.active) throw new ApiError('UNAUTHENTICATED', 'the session is not valid; sign in again');
    // RFC 9110 section 9.2.1: only unsafe methods change state and need the CSRF check.
    const csrf = checkCsrf(
      {
        method: request.method,
        origin: header(request, 'origin'),
        referer: header(request, 'referer'),
        secFetchSite: header(request, 'sec-fetch-site'),
        csrfToken: header(request, CSRF_HEADER),
      },
      { secret: gate.csrfSecret, sessionToken: cookie, allowedOrigins: gate.allowedOrigins },
    );
    if (!csrf.ok) throw new ApiError('CSRF_REJECTED', 'the request did not come from the portal (origin or CSRF token missing or wrong)', { reason: csrf.error.code });
    request.principal = {
      practiceId: record.practiceId,
      userId: record.userId,
      role: account.role,
      via: 'session',
      credentialId: record.idHash,
      mfaSatisfied: account.mfaEnrolled || !mfaRequiredFor(account.role),
      mfaEnrolled: account.mfaEnrolled,
      session: { token: cookie, record },
    };
  };
}

function header(request: FastifyRequest, name: string): string | undefined {
  const v = request.headers[name];
  return typeof v === 'string' ? v : undefined;
}

export async function authorize(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const config = request.routeOptions.config;
  const p = request.principal;
  const decision = decideRouteAccess(
    { access: config?.access, allowWithoutMfa: config?.allowWithoutMfa === true },
    p && { userId: p.userId, role: p.role, mfaSatisfied: p.mfaSatisfied, stage: p.via === 'token' ? 'token' : p.session!.record.stage },
    (request.params as { id?: string } | undefined)?.id,
  );
  if (!decision.allowed) throw new ApiError(decision.code, decision.message);
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without a principal: access rule missing');
  return request.principal;
}
