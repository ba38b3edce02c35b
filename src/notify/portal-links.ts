// Links from a notice back into the portal. A link is read by mail servers,
// link scanners and anyone the mail is forwarded to, so it carries only an
// opaque id: never a caller, a number or a mailbox owner's name. Opening it
// still needs a signed-in portal session with a grant to the box.

/** Ids are UUIDs (src/db/ids.ts): opaque, and nothing else can slip into a URL through them. */
const OPAQUE_ID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export function isOpaqueId(id: string): boolean {
  return OPAQUE_ID.test(id);
}

/**
 * The portal's base URL (SOTTO_PUBLIC_URL) as an origin plus path prefix,
 * without a trailing slash. Credentials, query and fragment are refused: a
 * link in an email must not carry any of them.
 */
export function portalBase(portalUrl: string): string {
  let url: URL;
  try {
    url = new URL(portalUrl);
  } catch {
    throw new Error('portal URL is not a valid URL');
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') throw new Error('portal URL must be http: or https:');
  if (url.username !== '' || url.password !== '' || url.search !== '' || url.hash !== '') {
    throw new Error('portal URL must not carry credentials, a query or a fragment');
  }
  return `${url.origin}${url.pathname.replace(/\/+$/, '')}`;
}

/** Where a voicemail opens in the portal. */
export function voicemailLink(portalUrl: string, messageId: string): string {
  if (!isOpaqueId(messageId)) throw new Error('voicemail link: message id must be an opaque UUID');
  return `${portalBase(portalUrl)}/voicemails/${messageId.toLowerCase()}`;
}

/** Where a user reviews their sign-ins, MFA and sessions. */
export function accountSecurityLink(portalUrl: string): string {
  return `${portalBase(portalUrl)}/account/security`;
}
