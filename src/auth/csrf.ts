/**
 * CSRF defence for cookie-authenticated, state-changing requests, in two
 * layers (OWASP CSRF Prevention Cheat Sheet):
 *  1. origin check: the browser's Origin / Sec-Fetch-Site headers must name
 *     Sotto's own origin;
 *  2. a synchroniser token bound to the session: HMAC-SHA256 under a server
 *     secret of the session token, sent back by the portal in a header.
 *     It changes whenever the session token does (sign-in, MFA), needs no
 *     storage, and cannot be computed by someone holding only the database.
 * Bearer-token API calls carry no ambient credentials and need neither.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type Result } from './result.ts';

/** RFC 9110 section 9.2.1: safe methods must not change state, so they skip the check. */
const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

export const CSRF_HEADER = 'x-csrf-token';
const DOMAIN = 'sotto-csrf-v1\0';

export function csrfTokenFor(secret: Uint8Array, sessionToken: string): string {
  if (secret.length < 32) throw new Error('CSRF secret must be at least 32 bytes');
  return createHmac('sha256', secret).update(DOMAIN).update(sessionToken, 'utf8').digest('base64url');
}

export function verifyCsrfToken(secret: Uint8Array, sessionToken: string, presented: string | null | undefined): boolean {
  if (!presented) return false;
  const expected = Buffer.from(csrfTokenFor(secret, sessionToken), 'ascii');
  const given = Buffer.from(presented, 'utf8');
  return given.length === expected.length && timingSafeEqual(given, expected);
}

export interface CsrfRequest {
  method: string;
  /** Header values as received; lower-case names. */
  origin?: string | undefined;
  referer?: string | undefined;
  secFetchSite?: string | undefined;
  csrfToken?: string | undefined;
}

export type CsrfFailureCode = 'csrf.cross_origin' | 'csrf.no_origin' | 'csrf.bad_token';

/**
 * Decides whether a cookie-authenticated request may proceed.
 * `allowedOrigins` are serialised origins, e.g. "https://pbx.example.com".
 */
export function checkCsrf(
  req: CsrfRequest,
  ctx: { secret: Uint8Array; sessionToken: string; allowedOrigins: readonly string[] },
): Result<void, { code: CsrfFailureCode }> {
  if (SAFE_METHODS.has(req.method.toUpperCase())) return ok(undefined);
  // Fetch Metadata: browsers that send it say outright where the request came from.
  if (req.secFetchSite !== undefined && req.secFetchSite !== 'same-origin') return err({ code: 'csrf.cross_origin' });
  const origin = req.origin && req.origin !== 'null' ? req.origin : originOf(req.referer);
  if (origin === null) {
    if (req.secFetchSite === undefined) return err({ code: 'csrf.no_origin' });
  } else if (!ctx.allowedOrigins.includes(origin)) {
    return err({ code: 'csrf.cross_origin' });
  }
  if (!verifyCsrfToken(ctx.secret, ctx.sessionToken, req.csrfToken)) return err({ code: 'csrf.bad_token' });
  return ok(undefined);
}

function originOf(url: string | undefined): string | null {
  if (!url) return null;
  try {
    return new URL(url).origin;
  } catch {
    return null;
  }
}
