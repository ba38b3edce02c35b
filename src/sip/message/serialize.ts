/**
 * SIP message serializer: the inverse of parseMessage().
 *
 * Header fields are written in order with the names and values they hold.
 * Content-Length is always written and always equals the body length (RFC
 * 3261 18.3 requires it on streams and it is harmless on datagrams), which
 * keeps a stale value from ever desynchronising a TCP peer.
 */

import { keyOf } from './headers/header-field.ts';
import { formatUri } from './uri.ts';
import type { SipMessage } from './types.ts';

export function formatStartLine(msg: SipMessage): string {
  return msg.kind === 'request'
    ? `${msg.method} ${formatUri(msg.uri)} SIP/2.0`
    : `SIP/2.0 ${msg.status} ${msg.reason}`;
}

export function serializeMessage(msg: SipMessage): Buffer {
  let head = formatStartLine(msg) + '\r\n';
  let wroteLength = false;
  for (const h of msg.headers) {
    if (keyOf(h) === 'content-length') {
      if (wroteLength) continue;
      head += `${h.name}: ${msg.body.length}\r\n`;
      wroteLength = true;
      continue;
    }
    head += `${h.name}: ${h.value}\r\n`;
  }
  if (!wroteLength) head += `Content-Length: ${msg.body.length}\r\n`;
  head += '\r\n';
  if (msg.body.length === 0) return Buffer.from(head, 'utf8');
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + msg.body.length);
  out.write(head, 0, 'utf8');
  msg.body.copy(out, headLength);
  return out;
}
