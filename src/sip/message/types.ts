/**
 * The SIP message model (RFC 3261 7).
 *
 * A message keeps every header field in wire order with its raw value, so a
 * proxy or B2BUA can pass headers it does not understand through untouched
 * and a serializer can reproduce what it was given. Typed views of the
 * headers Sotto acts on (Via, From/To, CSeq, Contact …) are computed on demand
 * by the accessors in `headers/`; the raw list stays the one source of truth,
 * so editing a message never leaves two copies disagreeing.
 */

/** The outcome of an operation on peer input: never an exception. */
export type Result<T, E> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: E };

export function ok<T>(value: T): { readonly ok: true; readonly value: T } {
  return { ok: true, value };
}

export function err<E>(error: E): { readonly ok: false; readonly error: E } {
  return { ok: false, error };
}

/**
 * One header field as it appeared on the wire. `name` keeps the spelling
 * received (possibly the compact form, e.g. `v`); `value` is the field value
 * with folding undone (RFC 3261 7.3.1: each LWS run that held a CRLF becomes
 * one SP) and leading/trailing whitespace trimmed. A line holding several
 * comma-separated values stays one field here; accessors split it.
 */
export interface HeaderField {
  readonly name: string;
  readonly value: string;
}

/** A generic `name[=value]` parameter; `value` is null for a bare flag. */
export interface Param {
  readonly name: string;
  readonly value: string | null;
}

// ---------------------------------------------------------------- URIs

/** RFC 3261 19.1.1 SIP and SIPS URI, with RFC 5118 IPv6 references. */
export interface SipUri {
  readonly scheme: 'sip' | 'sips';
  /** Unescaped user part, absent when the URI has no userinfo. */
  readonly user?: string;
  /** Unescaped password (deprecated by RFC 3261, still parsed). */
  readonly password?: string;
  /** Host name as written, IPv4 address, or IPv6 address WITHOUT brackets. */
  readonly host: string;
  readonly hostKind: 'domain' | 'ipv4' | 'ipv6';
  readonly port?: number;
  /** uri-parameters, unescaped, in order. */
  readonly params: readonly Param[];
  /** URI headers (`?name=value&…`), unescaped, in order. */
  readonly headers: readonly Param[];
}

/** RFC 3966 tel URI: the number (global `+…` or local) and its parameters. */
export interface TelUri {
  readonly scheme: 'tel';
  readonly number: string;
  readonly params: readonly Param[];
}

/** Any other absolute URI (RFC 3986), kept opaque: `scheme:rest`. */
export interface OpaqueUri {
  readonly scheme: string;
  /** Everything after the first `:`, exactly as received. */
  readonly opaque: string;
}

export type Uri = SipUri | TelUri | OpaqueUri;

// ---------------------------------------------------------------- messages

interface MessageBase {
  /** Always `SIP/2.0`; other versions are refused with 505 by the parser. */
  readonly version: string;
  readonly headers: readonly HeaderField[];
  /** The message body: exactly Content-Length octets (empty when none). */
  readonly body: Buffer;
}

/** RFC 3261 7.1 request. */
export interface SipRequest extends MessageBase {
  readonly kind: 'request';
  /** The method token, case-sensitive (RFC 3261 7.1). */
  readonly method: string;
  readonly uri: Uri;
}

/** RFC 3261 7.2 response. */
export interface SipResponse extends MessageBase {
  readonly kind: 'response';
  /** 100..699. */
  readonly status: number;
  /** UTF-8 reason phrase, possibly empty. */
  readonly reason: string;
}

export type SipMessage = SipRequest | SipResponse;

// ---------------------------------------------------------------- typed header values

/** RFC 3261 20.42 Via, one via-parm. */
export interface Via {
  /** e.g. `SIP/2.0`. */
  readonly protocol: string;
  /** Upper-cased transport: UDP, TCP, TLS, SCTP, WS, WSS or an extension. */
  readonly transport: string;
  /** sent-by host (IPv6 without brackets). */
  readonly host: string;
  readonly hostKind: 'domain' | 'ipv4' | 'ipv6';
  readonly port?: number;
  readonly params: readonly Param[];
  readonly branch?: string;
  readonly received?: string;
  /** RFC 3581: `true` when present without a value (request), the number in a response. */
  readonly rport?: number | true;
  readonly maddr?: string;
  readonly ttl?: number;
}

/** RFC 3261 20.10/20.20/20.39: name-addr or addr-spec with header params. */
export interface NameAddr {
  readonly displayName?: string;
  readonly uri: Uri;
  /** header parameters (after the URI or its `>`), in order. */
  readonly params: readonly Param[];
}

/** From/To (RFC 3261 20.20, 20.39). */
export interface FromTo extends NameAddr {
  readonly tag?: string;
}

/** RFC 3261 20.16 CSeq. */
export interface CSeq {
  /** 0..2^31-1 (RFC 3261 8.1.1.5). */
  readonly seq: number;
  readonly method: string;
}

/** One Contact value (RFC 3261 20.10), or the wildcard of a REGISTER. */
export type Contact =
  | { readonly star: true }
  | (NameAddr & { readonly star: false; readonly expires?: number; readonly q?: number });

/** RFC 3261 20.37 Route / 20.30 Record-Route: one route entry. */
export type RouteEntry = NameAddr;

/** RFC 3261 20.15 Content-Type / RFC 2045 media type, lower-cased type/subtype. */
export interface MediaType {
  readonly type: string;
  readonly subtype: string;
  readonly params: readonly Param[];
}

/**
 * WWW-Authenticate / Proxy-Authenticate (RFC 3261 20.44, 20.27) and
 * Authorization / Proxy-Authorization (20.7, 20.28): a scheme and its
 * auth-params. Param names are lower-cased; quoted values are unquoted.
 * Schemes other than Digest keep their raw text in `raw`.
 */
export interface AuthField {
  readonly scheme: string;
  readonly params: ReadonlyMap<string, string>;
  readonly raw: string;
}

// ---------------------------------------------------------------- errors

/**
 * What a server does with a message that failed: answer with this status
 * (only ever for requests), or drop it silently (responses, or requests too
 * broken to answer, RFC 3261 18.3 / 16.3).
 */
export type ErrorDisposition = number | 'drop';

export type ParseErrorCode =
  | 'SIP_EMPTY'
  | 'SIP_MESSAGE_TOO_LARGE'
  | 'SIP_HEADER_TOO_LONG'
  | 'SIP_TOO_MANY_HEADERS'
  | 'SIP_BODY_TOO_LARGE'
  | 'SIP_NO_HEADER_END'
  | 'SIP_INVALID_UTF8'
  | 'SIP_BAD_START_LINE'
  | 'SIP_BAD_METHOD'
  | 'SIP_BAD_REQUEST_URI'
  | 'SIP_BAD_VERSION'
  | 'SIP_BAD_STATUS'
  | 'SIP_BAD_HEADER_LINE'
  | 'SIP_MISSING_HEADER'
  | 'SIP_DUPLICATE_HEADER'
  | 'SIP_BAD_HEADER_VALUE'
  | 'SIP_BAD_CONTENT_LENGTH'
  | 'SIP_BODY_TRUNCATED'
  | 'SIP_CSEQ_METHOD_MISMATCH';

export interface ParseError {
  readonly code: ParseErrorCode;
  /** 400, 505, 513 … when the message was a request that can be answered; otherwise 'drop'. */
  readonly status: ErrorDisposition;
  /** A short reason for the response's reason phrase and logs; never holds peer bytes. */
  readonly reason: string;
  /** The header name concerned, when one is (canonical long form). Safe to log. */
  readonly header?: string;
  /**
   * The start line and raw headers recovered before the failure, so a server
   * can answer with createResponse() (RFC 3261 8.2.6 copies Via, From, To,
   * Call-ID and CSeq as received). Present exactly when status is a number.
   */
  readonly request?: SipRequest;
}

/** Limits the parser and framer enforce on untrusted input. */
export interface ParseLimits {
  /** Whole message, start line + headers + body, in octets. */
  readonly maxMessageBytes: number;
  /** Number of header fields (after unfolding). */
  readonly maxHeaders: number;
  /** One header field after unfolding, name included. */
  readonly maxHeaderBytes: number;
  /** The start line. */
  readonly maxStartLineBytes: number;
}

export const DEFAULT_PARSE_LIMITS: ParseLimits = Object.freeze({
  // UDP cannot carry more than 65,507 octets; TCP peers get the same bound so
  // a single connection cannot make us buffer more than one large datagram.
  maxMessageBytes: 65_535,
  maxHeaders: 256,
  maxHeaderBytes: 8_192,
  maxStartLineBytes: 8_192,
});
