/**
 * The checks a UAS makes on a well-formed request before acting on it
 * (RFC 3261 8.2.1 - 8.2.3), and a proxy's Max-Forwards check (16.3 step 3).
 * Each failure names the status to answer and the header fields that the
 * answer must carry (Unsupported for 420, Accept or Accept-Encoding for 415).
 */

import { getAccept, getContentType, getMaxForwards, getProxyRequire, getRequire, getTo } from './headers/accessors.ts';
import { getHeaderList, headerField } from './headers/header-list.ts';
import { mediaRangeCovers } from './headers/media-type.ts';
import { isSipUri } from './uri.ts';
import { err, ok, type HeaderField, type Result, type SipRequest } from './types.ts';

export type RequestCheckCode =
  | 'SIP_METHOD_NOT_ALLOWED'
  | 'SIP_UNSUPPORTED_URI_SCHEME'
  | 'SIP_BAD_EXTENSION'
  | 'SIP_UNSUPPORTED_MEDIA_TYPE'
  | 'SIP_NOT_ACCEPTABLE'
  | 'SIP_TOO_MANY_HOPS'
  | 'SIP_REGISTER_AOR_NOT_SIP';

export interface RequestRejection {
  readonly code: RequestCheckCode;
  readonly status: number;
  readonly reason: string;
  /** Fields the response must carry. */
  readonly headers: readonly HeaderField[];
}

export interface RequestPolicy {
  /** Methods this element implements; others get 405 with Allow (8.2.1). Omit to skip. */
  readonly allowedMethods?: readonly string[];
  /** Request-URI schemes handled (8.2.2.1); default sip, sips, tel. */
  readonly uriSchemes?: readonly string[];
  /** Option tags understood (8.2.2.3). */
  readonly supportedOptions?: readonly string[];
  /** Body types understood (8.2.3); default application/sdp. */
  readonly acceptedContentTypes?: readonly string[];
  /** Content codings understood (8.2.3); default identity alone. */
  readonly acceptedEncodings?: readonly string[];
  /** The element never reads this request's body (a REGISTER's, a BYE's): no 415 for it. */
  readonly ignoresBody?: boolean;
  /** A proxy refuses Max-Forwards 0 with 483; an endpoint processes it (RFC 4475 3.3.11). */
  readonly isProxy?: boolean;
  /**
   * The body type this element answers the request with (e.g. SDP for an
   * INVITE); 406 when the request's Accept rules it out (RFC 4475 3.3.15).
   */
  readonly answerContentType?: string;
}

const DEFAULT_SCHEMES = ['sip', 'sips', 'tel'];
const DEFAULT_TYPES = ['application/sdp'];
const DEFAULT_ENCODINGS = ['identity'];

function reject(code: RequestCheckCode, status: number, reason: string, headers: HeaderField[] = []): { ok: false; error: RequestRejection } {
  return err({ code, status, reason, headers });
}

/** Runs the RFC 3261 8.2 checks in the RFC's order; the first failure wins. */
export function checkRequest(req: SipRequest, policy: RequestPolicy = {}): Result<void, RequestRejection> {
  // 8.2.1 Method inspection.
  if (policy.allowedMethods && !policy.allowedMethods.includes(req.method)) {
    return reject('SIP_METHOD_NOT_ALLOWED', 405, 'Method Not Allowed', [headerField('Allow', policy.allowedMethods.join(', '))]);
  }
  // 16.3 step 3 (proxies only).
  if (policy.isProxy && getMaxForwards(req) === 0) return reject('SIP_TOO_MANY_HOPS', 483, 'Too Many Hops');
  // 8.2.2.1 To and Request-URI.
  const schemes = policy.uriSchemes ?? DEFAULT_SCHEMES;
  if (!schemes.includes(req.uri.scheme)) return reject('SIP_UNSUPPORTED_URI_SCHEME', 416, 'Unsupported URI Scheme');
  if (req.method === 'REGISTER') {
    // RFC 3261 10.3 step 5: the AOR in To must be a SIP or SIPS URI (RFC 4475 3.3.4).
    const to = getTo(req);
    if (!to || !isSipUri(to.uri)) return reject('SIP_REGISTER_AOR_NOT_SIP', 400, 'To Must Be A SIP URI');
  }
  // 8.2.2.3 Require (and Proxy-Require, which a UAS acting as the target also honours).
  if (req.method !== 'ACK' && req.method !== 'CANCEL') {
    const required = [...getRequire(req), ...getProxyRequire(req)];
    const supported = required.length > 0 ? (policy.supportedOptions ?? []).map((t) => t.toLowerCase()) : [];
    const unknown = required.filter((t) => !supported.includes(t.toLowerCase()));
    if (unknown.length > 0) {
      return reject('SIP_BAD_EXTENSION', 420, 'Bad Extension', [headerField('Unsupported', unknown.join(', '))]);
    }
  }
  // 8.2.3 Content processing.
  const accepted = policy.acceptedContentTypes ?? DEFAULT_TYPES;
  if (req.body.length > 0 && !policy.ignoresBody) {
    const ct = getContentType(req);
    const known = ct && accepted.some((t) => t.toLowerCase() === `${ct.type}/${ct.subtype}`);
    if (!known) {
      return reject('SIP_UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported Media Type', [headerField('Accept', accepted.join(', '))]);
    }
    // A coded body (gzip) cannot be read as its type: 415 naming the codings understood.
    const encodings = policy.acceptedEncodings ?? DEFAULT_ENCODINGS;
    const coded = (getHeaderList(req.headers, 'content-encoding') ?? ['?']).filter((c) => !encodings.includes(c.toLowerCase()));
    if (coded.length > 0) {
      return reject('SIP_UNSUPPORTED_MEDIA_TYPE', 415, 'Unsupported Media Type', [headerField('Accept-Encoding', encodings.join(', '))]);
    }
  }
  if (policy.answerContentType && !acceptsMediaType(req, policy.answerContentType)) {
    return reject('SIP_NOT_ACCEPTABLE', 406, 'Not Acceptable', [headerField('Accept', accepted.join(', '))]);
  }
  return ok(undefined);
}

/**
 * Max-Forwards for the request an element sends on behalf of this one: one
 * less (RFC 3261 16.6 step 3; a B2BUA copies it too, RFC 7332 3), or 70 when
 * the request had none. Refuse a request at 0 with 483 before calling this.
 */
export function nextHopMaxForwards(req: SipRequest): number {
  const hops = getMaxForwards(req);
  return hops === undefined ? 70 : Math.max(0, hops - 1);
}

/** Whether the request's Accept admits this type (no Accept means application/sdp, RFC 3261 20.1). */
export function acceptsMediaType(req: SipRequest, type: string): boolean {
  const [t = '', s = ''] = type.toLowerCase().split('/');
  const accept = getAccept(req);
  if (accept === undefined) return t === 'application' && s === 'sdp';
  return accept.some((range) => mediaRangeCovers(range, t, s));
}
