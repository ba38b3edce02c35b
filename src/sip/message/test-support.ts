/**
 * Helpers shared by the message-layer tests (not part of the public API).
 */

import { headerKey } from './headers/names.ts';
import type { SipMessage } from './types.ts';
import { formatUri, uriEquals } from './uri.ts';

/**
 * A comparable picture of a message: what a SIP element acts on. The
 * Content-Length field is left out because the serializer rewrites it to the
 * body length (RFC 3261 18.3), the only field it changes.
 */
export function semanticView(msg: SipMessage): unknown {
  return {
    kind: msg.kind,
    start: msg.kind === 'request' ? [msg.method, formatUri(msg.uri)] : [msg.status, msg.reason],
    headers: msg.headers.filter((h) => headerKey(h.name) !== 'content-length').map((h) => [h.name, h.value]),
    body: msg.body.toString('hex'),
  };
}

export function sameRequestUri(a: SipMessage, b: SipMessage): boolean {
  return a.kind === 'request' && b.kind === 'request' && uriEquals(a.uri, b.uri);
}
