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
  const startLine = formatStartLine(msg);
  const bodyLength = msg.body.length;
  const contentLength = String(bodyLength);
  // Octets at most: UTF-8 takes up to 3 per UTF-16 code unit.
  let units = startLine.length + 2 + CONTENT_LENGTH.length + contentLength.length + 4;
  for (const h of msg.headers) units += h.name.length + h.value.length + contentLength.length + 4;
  const most = units * 3 + bodyLength;
  if (most > MAX_IN_SLAB) return placeLarge(headText(msg, startLine, contentLength), msg.body);

  // Written straight into the slab, piece by piece: the head as one string
  // was a chain of concatenations flattened for the write, all garbage after.
  const out = reserve(most);
  let pos = used;
  pos = put(out, pos, startLine);
  pos = crlf(out, pos);
  let wroteLength = false;
  for (const h of msg.headers) {
    const isLength = keyOf(h) === 'content-length';
    if (isLength && wroteLength) continue;
    pos = put(out, pos, h.name);
    out[pos++] = 0x3a;
    out[pos++] = 0x20;
    pos = put(out, pos, isLength ? contentLength : h.value);
    pos = crlf(out, pos);
    if (isLength) wroteLength = true;
  }
  if (!wroteLength) {
    pos = put(out, pos, CONTENT_LENGTH);
    pos = put(out, pos, contentLength);
    pos = crlf(out, pos);
  }
  pos = crlf(out, pos);
  msg.body.copy(out, pos);
  return commit(out, pos + bodyLength);
}

const CONTENT_LENGTH = 'Content-Length: ';

/** The head as one string, as serializeMessage writes it (for messages too large for a slab). */
function headText(msg: SipMessage, startLine: string, contentLength: string): string {
  let head = startLine + '\r\n';
  let wroteLength = false;
  for (const h of msg.headers) {
    if (keyOf(h) === 'content-length') {
      if (wroteLength) continue;
      head += `${h.name}: ${contentLength}\r\n`;
      wroteLength = true;
      continue;
    }
    head += `${h.name}: ${h.value}\r\n`;
  }
  if (!wroteLength) head += `${CONTENT_LENGTH}${contentLength}\r\n`;
  return head + '\r\n';
}

/**
 * Writes `s` as UTF-8 at `pos`, returning the end. ASCII (nearly every
 * header) is stored octet by octet; the first other character hands the
 * whole string to the encoder. Pieces are always separated by ASCII (": ",
 * CRLF), so encoding them apart gives the octets the joined head gave.
 */
function put(out: Buffer, pos: number, s: string): number {
  const n = s.length;
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i);
    if (c >= 0x80) return pos + out.write(s, pos, 'utf8');
    out[pos + i] = c;
  }
  return pos + n;
}

function crlf(out: Buffer, pos: number): number {
  out[pos] = 0x0d;
  out[pos + 1] = 0x0a;
  return pos + 2;
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

/** A buffer of its own for a message that could take more than MAX_IN_SLAB. */
function placeLarge(head: string, body: Buffer): Buffer {
  const headLength = Buffer.byteLength(head, 'utf8');
  const out = Buffer.allocUnsafe(headLength + body.length);
  out.write(head, 0, 'utf8');
  body.copy(out, headLength);
  return out;
}

/** The slab with room for `most` octets from `used` on. */
function reserve(most: number): Buffer {
  if (!slab || used + most > SLAB_SIZE) {
    slab = Buffer.allocUnsafeSlow(SLAB_SIZE);
    used = 0;
  }
  return slab;
}

/** The message written at slab[used, end): its view, and the next message's place. */
function commit(out: Buffer, end: number): Buffer {
  const start = used;
  // The next message starts on an 8-octet boundary (word scans read them aligned).
  used = (end + 7) & ~7;
  return out.subarray(start, end);
}
