// Drives the portal's cookie sessions through app.inject() the way a browser
// on the portal's own origin would: cookie, Origin header, CSRF token.
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { PORTAL_ORIGIN } from './api.ts';

export const COOKIE = '__Host-sotto_session';

export interface PortalSession {
  cookie: string;
  csrfToken: string;
}

export function sessionFrom(r: LightMyRequestResponse): PortalSession {
  const set = r.headers['set-cookie'];
  const header = Array.isArray(set) ? set[0] : set;
  const m = header ? new RegExp(`^${COOKIE}=([A-Za-z0-9_-]+)`).exec(header) : null;
  if (!m) throw new Error(`no session cookie in response ${r.statusCode}: ${r.body}`);
  return { cookie: m[1]!, csrfToken: r.json().csrfToken };
}

export async function signIn(app: FastifyInstance, email: string, password: string, remoteAddress = '203.0.113.50'): Promise<LightMyRequestResponse> {
  return app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress, headers: { origin: PORTAL_ORIGIN }, payload: { email, password } });
}

/** A request from the portal page: cookie, same origin, CSRF token. */
export function asPortal(s: PortalSession, extra: Record<string, string> = {}): Record<string, string> {
  return { cookie: `${COOKIE}=${s.cookie}`, origin: PORTAL_ORIGIN, 'x-csrf-token': s.csrfToken, ...extra };
}
