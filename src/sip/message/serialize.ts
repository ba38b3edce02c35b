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
  return place(head, msg.body);
}

/**
 * Output slabs. Buffer.from() puts small results in Node's shared 8 KiB
 * pool, a new ArrayBuffer every ~15 messages; under load, making and later
 * collecting those showed as several us per message in the profile of a
 * registration (an ArrayBuffer is external memory to V8 and each one is
 * tracked). Slabs of 64 KiB hold ~150 messages each. A view pins its slab
 * as a pool slice pins its pool: the memory held is the same.
 */
const SLAB_SIZE = 64 * 1024;
/** Messages that could take more than this go to a buffer of their own. */
const MAX_IN_SLAB = 16 * 1024;
let slab: Buffer | undefined;
let used = 0;

function place(head: string, body: Buffer): Buffer {
  // UTF-8 needs at most 3 octets per UTF-16 code unit.
  const most = head.length * 3 + body.length;
  if (most > MAX_IN_SLAB) {
    const headLength = Buffer.byteLength(head, 'utf8');
    const out = Buffer.allocUnsafe(headLength + body.length);
    out.write(head, 0, 'utf8');
    body.copy(out, headLength);
    return out;
  }
  if (!slab || used + most > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    used = 0;
  }
  const start = used;
  const headLength = slab.write(head, start, 'utf8');
  body.copy(slab, start + headLength);
  const end = start + headLength + body.length;
  // The next message starts on an 8-octet boundary (word scans read them aligned).
  used = (end + 7) & ~7;
  return slab.subarray(start, end);
}
