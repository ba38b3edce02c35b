/**
 * Which error codes a route can answer with, so its OpenAPI responses list
 * them all. Most follow from what every route goes through, in the order of
 * server.ts: authenticate (onRequest) -> parse the body -> validate the
 * schema -> authorise -> command. The route adds the codes its own handler
 * and commands raise (`config.errors`). test/api/openapi-responses.test.ts
 * produces these answers for real and fails on any not listed here.
 */
import type { Access } from './access-policy.ts';
import { API_ERROR_CODES, type ApiErrorCode } from './error-codes.ts';

export interface RouteShape {
  method: string;
  access: Access | undefined;
  allowWithoutMfa: boolean;
  /** The route's schema declares a body, path parameters or a query string. */
  validates: boolean;
  /** The route writes an audit event (AUDITED_ROUTES lists actions for it). */
  audited: boolean;
  /** Codes the handler and its commands raise themselves. */
  errors: readonly ApiErrorCode[];
}

/** RFC 9110 9.2.1: the methods that may change state; Fastify parses their bodies whatever the route declares. */
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

export function routeErrorCodes(route: RouteShape): ApiErrorCode[] {
  const codes = new Set<ApiErrorCode>(route.errors);
  const signedIn = route.access !== 'public' && route.access !== undefined;
  if (UNSAFE.has(route.method)) {
    // Any body is parsed before the handler runs: broken JSON, too big, or of a type no parser takes.
    codes.add('BAD_REQUEST').add('BODY_TOO_LARGE').add('UNSUPPORTED_MEDIA_TYPE');
  }
  if (route.validates) codes.add('VALIDATION_FAILED');
  if (signedIn || route.access === undefined) {
    codes.add('UNAUTHENTICATED').add('SESSION_IDLE_TIMEOUT').add('SESSION_EXPIRED');
    // A session still waiting for its second factor is refused everywhere but the step that completes it.
    if (route.access !== 'mfa-pending') codes.add('MFA_REQUIRED');
    // The credential is looked up on every request.
    codes.add('DATABASE_UNAVAILABLE');
    if (UNSAFE.has(route.method)) codes.add('CSRF_REJECTED');
    if (route.access !== 'member' && route.access !== 'mfa-pending') codes.add('FORBIDDEN');
    if (route.access === 'mfa-pending') codes.add('FORBIDDEN');
    if (!route.allowWithoutMfa && route.access !== 'mfa-pending') codes.add('MFA_ENROLMENT_REQUIRED');
  }
  // The audit event is written in the action's transaction: a lost race for the chain, or a chain the append guard refuses.
  if (route.audited) codes.add('AUDIT_BUSY').add('AUDIT_UNAVAILABLE');
  codes.add('INTERNAL');
  return [...codes];
}

/** The codes grouped by their HTTP status, each list in the catalogue's order. */
export function byStatus(codes: readonly ApiErrorCode[]): Map<number, ApiErrorCode[]> {
  const out = new Map<number, ApiErrorCode[]>();
  for (const code of Object.keys(API_ERROR_CODES) as ApiErrorCode[]) {
    if (!codes.includes(code)) continue;
    const status = API_ERROR_CODES[code].status;
    out.set(status, [...(out.get(status) ?? []), code]);
  }
  return new Map([...out].sort(([a], [b]) => a - b));
}

/** The OpenAPI response description for one status: the codes, which a client can switch on. */
export function describeCodes(codes: readonly ApiErrorCode[]): string {
  return `Error codes: ${codes.join(', ')}`;
}
