/**
 * Building responses to a request (RFC 3261 8.2.6).
 */

import { getHeaderFields, headerField } from './headers/header-list.ts';
import { paramValue, parseParams } from './headers/lexer.ts';
import { keyOf } from './headers/header-field.ts';
import { randomHex } from './random-pool.ts';
import type { HeaderField, SipRequest, SipResponse } from './types.ts';

/** Default reason phrases (RFC 3261 21 and extensions Sotto answers with). */
export const REASON_PHRASES: Readonly<Record<number, string>> = {
  100: 'Trying', 180: 'Ringing', 181: 'Call Is Being Forwarded', 182: 'Queued', 183: 'Session Progress',
  200: 'OK', 202: 'Accepted',
  300: 'Multiple Choices', 301: 'Moved Permanently', 302: 'Moved Temporarily', 305: 'Use Proxy', 380: 'Alternative Service',
  400: 'Bad Request', 401: 'Unauthorized', 402: 'Payment Required', 403: 'Forbidden', 404: 'Not Found',
  405: 'Method Not Allowed', 406: 'Not Acceptable', 407: 'Proxy Authentication Required', 408: 'Request Timeout',
  410: 'Gone', 413: 'Request Entity Too Large', 414: 'Request-URI Too Long', 415: 'Unsupported Media Type',
  416: 'Unsupported URI Scheme', 420: 'Bad Extension', 421: 'Extension Required', 423: 'Interval Too Brief',
  429: 'Too Many Requests', 480: 'Temporarily Unavailable', 481: 'Call/Transaction Does Not Exist', 482: 'Loop Detected',
  469: 'Bad Info Package', 483: 'Too Many Hops', 484: 'Address Incomplete', 485: 'Ambiguous', 486: 'Busy Here', 487: 'Request Terminated',
  488: 'Not Acceptable Here', 489: 'Bad Event', 491: 'Request Pending', 493: 'Undecipherable',
  500: 'Server Internal Error', 501: 'Not Implemented', 502: 'Bad Gateway', 503: 'Service Unavailable',
  504: 'Server Time-out', 505: 'Version Not Supported', 513: 'Message Too Large',
  600: 'Busy Everywhere', 603: 'Decline', 604: 'Does Not Exist Anywhere', 606: 'Not Acceptable',
};

/** A fresh To/From tag: 64 random bits (RFC 3261 19.3 asks for at least 32). */
export function generateTag(): string {
  return randomHex(8);
}

/** Per-process key of statelessToTag: tags are not predictable from outside. */
const STATELESS_SEED_A = Number.parseInt(randomHex(4), 16) >>> 0;
const STATELESS_SEED_B = Number.parseInt(randomHex(4), 16) >>> 0;

/**
 * The To tag of a stateless UAS (RFC 3261 8.2.7, 8.2.6.2: "the same tag
 * MUST be generated for the same request consistently"): a keyed 64-bit
 * FNV-1a of the fields that name the request (top Via, From, Call-ID, CSeq),
 * so a retransmission is answered with the tag its original got. These
 * answers (a challenge, an OPTIONS 200) never create a dialog, so the tag
 * needs to be consistent, not secret.
 */
export function statelessToTag(request: SipRequest): string {
  let a = STATELESS_SEED_A;
  let b = STATELESS_SEED_B;
  let viaSeen = false;
  for (const h of request.headers) {
    const k = keyOf(h);
    if (k === 'via') {
      if (viaSeen) continue;
      viaSeen = true;
    } else if (k !== 'from' && k !== 'call-id' && k !== 'cseq') continue;
    const v = h.value;
    for (let i = 0; i < v.length; i++) {
      const c = v.charCodeAt(i);
      a = Math.imul(a ^ c, 0x01000193) >>> 0;
      b = Math.imul(b ^ c, 0x01000193) >>> 0;
    }
    a = Math.imul(a ^ 0x0a, 0x01000193) >>> 0;
    b = Math.imul(b ^ 0x0d, 0x01000193) >>> 0;
  }
  return a.toString(16).padStart(8, '0') + b.toString(16).padStart(8, '0');
}

export interface CreateResponseOptions {
  /** The To tag to add when the request's To has none; random when omitted. */
  readonly toTag?: string;
  /** Extra header fields, appended after the copied ones. */
  readonly headers?: readonly HeaderField[];
  readonly body?: Buffer;
  /** Copy Record-Route (RFC 3261 12.1.1: dialog-creating responses). */
  readonly copyRecordRoute?: boolean;
}

/**
 * A response to `request`: Via (all, in order), From, To, Call-ID and CSeq
 * copied as received (RFC 3261 8.2.6.2), Timestamp echoed (8.2.6.1), and a
 * To tag added unless the request had one or the status is 100. Works on
 * the partial request a ParseError carries, because it copies raw values.
 */
export function createResponse(request: SipRequest, status: number, reason?: string, options: CreateResponseOptions = {}): SipResponse {
  const headers: HeaderField[] = [];
  for (const h of request.headers) {
    const k = keyOf(h);
    if (k === 'via' || k === 'from' || k === 'call-id' || k === 'cseq') headers.push(h);
    else if (k === 'to') headers.push(status === 100 || hasTag(h.value) ? h : headerField(h.name, `${h.value};tag=${options.toTag ?? generateTag()}`));
    else if (k === 'record-route' && options.copyRecordRoute) headers.push(h);
  }
  // RFC 3261 8.2.6.1: only a 100 Trying echoes Timestamp.
  if (status === 100) for (const t of getHeaderFields(request.headers, 'timestamp')) headers.push(t);
  if (options.headers) headers.push(...options.headers);
  return {
    kind: 'response',
    status,
    reason: reason ?? REASON_PHRASES[status] ?? 'Unknown',
    version: 'SIP/2.0',
    headers,
    body: options.body ?? Buffer.alloc(0),
  };
}

function hasTag(toValue: string): boolean {
  // Header params start after the URI; for name-addr after '>', else after the first ';'.
  const gt = toValue.lastIndexOf('>');
  const paramsStart = gt >= 0 ? toValue.indexOf(';', gt) : toValue.indexOf(';');
  if (paramsStart < 0) return false;
  const params = parseParams(toValue, paramsStart);
  return params ? typeof paramValue(params, 'tag') === 'string' : /;\s*tag\s*=/i.test(toValue);
}
