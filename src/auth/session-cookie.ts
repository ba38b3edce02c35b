/**
 * The session cookie (RFC 6265bis). Over TLS it is "__Host-sotto_session":
 * the prefix makes browsers insist on Secure, Path=/ and no Domain, so no
 * sibling host or plain-HTTP page can set or shadow it. Browsers refuse
 * __Host- cookies without Secure, so on plain HTTP (a lab install) the name
 * drops the prefix. No Max-Age: the cookie dies with the browser, and the
 * server enforces idle and absolute expiry regardless.
 *
 * SameSite=Lax by default so the link in a voicemail email lands on a
 * signed-in portal; the API asks for Strict (the portal is its own origin and
 * a link from an email then opens the sign-in page). State-changing requests
 * are covered by csrf.ts either way.
 */
export type SameSite = 'Strict' | 'Lax';
export const SECURE_COOKIE_NAME = '__Host-sotto_session';
export const PLAIN_COOKIE_NAME = 'sotto_session';

export function sessionCookieName(secure: boolean): string {
  return secure ? SECURE_COOKIE_NAME : PLAIN_COOKIE_NAME;
}

export function serializeSessionCookie(token: string, options: { secure: boolean; sameSite?: SameSite }): string {
  if (!/^[A-Za-z0-9_-]+$/.test(token)) throw new Error('session token must be base64url');
  const attrs = [`${sessionCookieName(options.secure)}=${token}`, 'Path=/', 'HttpOnly', `SameSite=${options.sameSite ?? 'Lax'}`];
  if (options.secure) attrs.push('Secure');
  return attrs.join('; ');
}

/** The Set-Cookie that removes the cookie at sign-out. */
export function clearSessionCookie(options: { secure: boolean; sameSite?: SameSite }): string {
  const attrs = [`${sessionCookieName(options.secure)}=`, 'Path=/', 'HttpOnly', `SameSite=${options.sameSite ?? 'Lax'}`, 'Max-Age=0'];
  if (options.secure) attrs.push('Secure');
  return attrs.join('; ');
}

/** Reads the session token from a Cookie header; null when absent or odd-looking. */
export function readSessionCookie(cookieHeader: string | undefined, options: { secure: boolean }): string | null {
  if (!cookieHeader) return null;
  const name = sessionCookieName(options.secure);
  for (const pair of cookieHeader.split(';')) {
    const eq = pair.indexOf('=');
    if (eq < 0 || pair.slice(0, eq).trim() !== name) continue;
    const value = pair.slice(eq + 1).trim();
    return /^[A-Za-z0-9_-]{16,128}$/.test(value) ? value : null;
  }
  return null;
}
