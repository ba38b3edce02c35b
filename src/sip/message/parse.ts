/**
 * SIP message parser (RFC 3261 7, 18.3, 25).
 *
 *   generic-message = start-line *message-header CRLF [ message-body ]
 *   start-line      = Request-Line / Status-Line
 *   Request-Line    = Method SP Request-URI SP SIP-Version CRLF
 *   Status-Line     = SIP-Version SP Status-Code SP Reason-Phrase CRLF
 *
 * parseMessage() takes one whole message, as a datagram carries it or as
 * StreamFramer cuts it from a TCP/TLS stream. It never throws on peer bytes:
 * every failure is a ParseError with a stable code and what to answer
 * (RFC 4475 is the yardstick). Octets after Content-Length are discarded
 * (RFC 3261 18.3); without Content-Length the body runs to the end.
 */

import { isAscii, isUtf8 } from 'node:buffer';
import { hasStrayControl } from './control-scan.ts';
import { isDigits, isToken, isTokenChar, knownSpellings, parseBoundedInt, sliceKnown } from './headers/lexer.ts';
import { keyOf, MemoHeaderField } from './headers/header-field.ts';
import { HeaderIndex, validateHeaders } from './header-checks.ts';
import { parseUri } from './uri.ts';
import {
  DEFAULT_PARSE_LIMITS,
  err,
  ok,
  type ErrorDisposition,
  type HeaderField,
  type ParseError,
  type ParseErrorCode,
  type ParseLimits,
  type Result,
  type SipMessage,
  type SipRequest,
  type SipResponse,
  type Uri,
} from './types.ts';

const CRLF_CRLF = Buffer.from('\r\n\r\n');
/** One empty body for every message without one: it has no octets to change. */
const EMPTY_BODY = Buffer.alloc(0);

/** Headers without which no response can be formed (RFC 3261 8.1.1, 8.2.6.2). */
const REQUIRED = ['via', 'from', 'to', 'call-id', 'cseq'];

interface StartLine {
  readonly kind: 'request' | 'response';
  readonly method: string;
  readonly uri: Uri;
  readonly status: number;
  readonly reason: string;
  readonly version: string;
}

/** Failure context: enough to attach a partial request to the error. */
interface Partial {
  start?: StartLine;
  headers: HeaderField[];
}

function fail(code: ParseErrorCode, status: ErrorDisposition, reason: string, partial: Partial, header?: string): { ok: false; error: ParseError } {
  const start = partial.start;
  // Only requests are ever answered (RFC 3261 18.1.2: a bad response is
  // discarded), and only when the fields a response copies are present.
  let disposition: ErrorDisposition = 'drop';
  let request: SipRequest | undefined;
  if (status !== 'drop' && start && start.kind === 'request') {
    const keys = new Set(partial.headers.map((h) => keyOf(h)));
    if (REQUIRED.every((k) => keys.has(k))) {
      disposition = status;
      request = {
        kind: 'request',
        method: start.method,
        uri: start.uri,
        version: start.version,
        headers: partial.headers,
        body: Buffer.alloc(0),
      };
    }
  }
  return err({
    code,
    status: disposition,
    reason,
    ...(header !== undefined ? { header } : {}),
    ...(request ? { request } : {}),
  });
}

/** Placeholder Request-URI for a partial request whose Request-URI was refused. */
const INVALID_URI: Uri = Object.freeze({ scheme: 'invalid', opaque: '' });

function parseStartLine(line: string): Result<StartLine, { code: ParseErrorCode; status: ErrorDisposition; reason: string; start?: StartLine }> {
  if (line.startsWith('SIP/')) {
    // Status-Line. Any defect means a response we cannot use: drop it.
    const quick = quickStatusLine(line);
    if (quick) return quick;
    const m = /^SIP\/(\d+\.\d+) ([0-9]{3})(?: (.*))?$/.exec(line);
    if (!m) return err({ code: 'SIP_BAD_STATUS', status: 'drop', reason: 'Bad Status-Line' });
    if (m[1] !== '2.0') return err({ code: 'SIP_BAD_VERSION', status: 'drop', reason: 'Version Not Supported' });
    const status = Number(m[2]);
    if (status < 100 || status > 699) return err({ code: 'SIP_BAD_STATUS', status: 'drop', reason: 'Bad Status-Code' });
    return ok({ kind: 'response', method: '', uri: INVALID_URI, status, reason: m[3] ?? '', version: 'SIP/2.0' });
  }
  // Request-Line: exactly two single spaces (RFC 4475 3.1.2.9/3.1.2.10 may be refused).
  const sp1 = line.indexOf(' ');
  const sp2 = line.lastIndexOf(' ');
  if (sp1 <= 0 || sp2 === sp1) return err({ code: 'SIP_BAD_START_LINE', status: 'drop', reason: 'Bad Request-Line' });
  const method = line.slice(0, sp1);
  const uriText = line.slice(sp1 + 1, sp2);
  const version = line.slice(sp2 + 1);
  if (!isToken(method)) return err({ code: 'SIP_BAD_METHOD', status: 'drop', reason: 'Bad Method' });
  const base = { kind: 'request' as const, method, uri: INVALID_URI, status: 0, reason: '', version };
  if (version !== 'SIP/2.0' && !/^SIP\/[0-9]+\.[0-9]+$/i.test(version)) {
    return err({ code: 'SIP_BAD_START_LINE', status: 400, reason: 'Bad Request-Line', start: base });
  }
  // RFC 3261 7.1: the version string is case-insensitive; anything but 2.0 gets 505 (21.5.15).
  if (version.toUpperCase() !== 'SIP/2.0') {
    return err({ code: 'SIP_BAD_VERSION', status: 505, reason: 'Version Not Supported', start: base });
  }
  const uri = parseUri(uriText);
  if (!uri.ok) return err({ code: 'SIP_BAD_REQUEST_URI', status: 400, reason: 'Bad Request-URI', start: base });
  return ok({ ...base, uri: uri.value, version: 'SIP/2.0' });
}

/**
 * `SIP/2.0 DDD reason` read without the regex, as nearly every response is
 * written; undefined sends anything else down the regex's path.
 */
function quickStatusLine(line: string): Result<StartLine, never> | undefined {
  if (line.length < 11 || !line.startsWith('SIP/2.0 ')) return undefined;
  const d0 = line.charCodeAt(8) - 0x30;
  const d1 = line.charCodeAt(9) - 0x30;
  const d2 = line.charCodeAt(10) - 0x30;
  if (d0 < 1 || d0 > 6 || d1 < 0 || d1 > 9 || d2 < 0 || d2 > 9) return undefined;
  let reason = '';
  if (line.length > 11) {
    if (line.charCodeAt(11) !== 0x20) return undefined;
    reason = line.slice(12);
    // The regex's "." stops at line terminators: leave those to it.
    for (let i = 0; i < reason.length; i++) {
      const c = reason.charCodeAt(i);
      if (c === 0x0a || c === 0x0d || c === 0x2028 || c === 0x2029) return undefined;
    }
  }
  return ok({ kind: 'response', method: '', uri: INVALID_URI, status: d0 * 100 + d1 * 10 + d2, reason, version: 'SIP/2.0' });
}

const CONTROL = /[\x00-\x08\x0a-\x1f\x7f]/;

/**
 * A header value is TEXT-UTF8 with LWS; control characters may appear only
 * escaped as a quoted-pair inside a quoted string (RFC 4475 3.1.1.2 intmeth).
 */
function hasBareControl(v: string): boolean {
  if (!CONTROL.test(v)) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if ((c < 0x20 && c !== 0x09) || c === 0x7f) {
      if (i === 0 || v.charCodeAt(i - 1) !== 0x5c) return true;
    }
  }
  return false;
}

/** Whether text[from, end) is a non-empty token (a header name). */
function isHeaderName(text: string, from: number, end: number): boolean {
  if (end <= from) return false;
  for (let i = from; i < end; i++) if (!isTokenChar(text.charCodeAt(i))) return false;
  return true;
}

/** The header names nearly every message spells this way (sliceKnown: no new string for them). */
const HEADER_NAMES = knownSpellings([
  'Via', 'From', 'To', 'Call-ID', 'CSeq', 'Contact', 'Max-Forwards', 'Content-Length', 'Content-Type', 'User-Agent', 'Allow',
  'Supported', 'Expires', 'Authorization', 'Proxy-Authorization', 'WWW-Authenticate', 'Proxy-Authenticate', 'Record-Route',
  'Route', 'Server', 'Accept', 'Require', 'Event', 'Allow-Events', 'Session-Expires', 'Min-SE', 'Date', 'Reason',
  'v', 'f', 't', 'i', 'm', 'l', 'c', 'k',
]);

type HeaderLinesResult = { ok: true } | { ok: false; code: ParseErrorCode; reason: string; status: ErrorDisposition };
const LINES_OK: HeaderLinesResult = { ok: true };

/**
 * Splits the header block text[from, end) into fields, undoing folding
 * (RFC 3261 7.3.1). Lines end at CRLF. A bad line is skipped but remembered:
 * the fields after it are still collected so that the 400 can be answered
 * (it needs Via, From, To, Call-ID and CSeq, wherever they are).
 *
 * It walks the text by offsets rather than splitting it into line strings:
 * each field costs the two slices it keeps (name and value). Values are
 * checked for bare controls (a bare CR or LF included) only when
 * `mayHaveControls`: the block holds one somewhere.
 */
function parseHeaderLines(text: string, from: number, limits: ParseLimits, partial: Partial, mayHaveControls: boolean): HeaderLinesResult {
  const out = partial.headers;
  const end = text.length;
  let firstError: HeaderLinesResult = LINES_OK;
  let name = '';
  let value = '';
  let skipping = false;
  for (let pos = from; pos <= end; ) {
    const crlf = text.indexOf('\r\n', pos);
    const lineEnd = crlf < 0 ? end : crlf;
    const lineStart = pos;
    pos = lineEnd + 2;

    const first = text.charCodeAt(lineStart);
    if (first === 0x20 || first === 0x09) {
      // Continuation of a folded header (LWS = [*WSP CRLF] 1*WSP).
      if (skipping) continue;
      if (!name) {
        if (firstError.ok) firstError = { ok: false, code: 'SIP_BAD_HEADER_LINE', reason: 'Bad Header Folding', status: 400 };
        continue;
      }
      const prev = value.trimEnd();
      const more = text.slice(lineStart, lineEnd).trim();
      value = prev.length > 0 ? prev + ' ' + more : more;
    } else {
      if (name) out.push(new MemoHeaderField(name, value.trimEnd()));
      name = '';
      skipping = false;
      // Looked for within this line only: a search running on into the rest
      // of the block, repeated for each of thousands of colon-less lines one
      // datagram can carry, costs quadratic time.
      let colon = -1;
      for (let i = lineStart; i < lineEnd; i++) {
        if (text.charCodeAt(i) === 0x3a) {
          colon = i;
          break;
        }
      }
      // HCOLON = *( SP / HTAB ) ":" SWS
      let nameEnd = colon;
      while (nameEnd > lineStart && (text.charCodeAt(nameEnd - 1) === 0x20 || text.charCodeAt(nameEnd - 1) === 0x09)) nameEnd--;
      if (colon <= lineStart || !isHeaderName(text, lineStart, nameEnd)) {
        if (firstError.ok) firstError = { ok: false, code: 'SIP_BAD_HEADER_LINE', reason: 'Bad Header Line', status: 400 };
        skipping = true;
        continue;
      }
      if (out.length >= limits.maxHeaders) {
        // Stop here: an attacker must not make us walk an unbounded list.
        return firstError.ok ? { ok: false, code: 'SIP_TOO_MANY_HEADERS', reason: 'Too Many Headers', status: 400 } : firstError;
      }
      name = sliceKnown(text, lineStart, nameEnd, HEADER_NAMES);
      let valueStart = colon + 1;
      while (valueStart < lineEnd && (text.charCodeAt(valueStart) === 0x20 || text.charCodeAt(valueStart) === 0x09)) valueStart++;
      value = text.slice(valueStart, lineEnd);
    }
    const tooLong = name.length + value.length > limits.maxHeaderBytes;
    if (tooLong || (mayHaveControls && hasBareControl(value))) {
      if (firstError.ok) {
        firstError = tooLong
          ? { ok: false, code: 'SIP_HEADER_TOO_LONG', reason: 'Header Too Long', status: 400 }
          : { ok: false, code: 'SIP_BAD_HEADER_LINE', reason: 'Bad Header Value', status: 400 };
      }
      name = '';
      skipping = true;
    }
  }
  if (name) out.push(new MemoHeaderField(name, value.trimEnd()));
  return firstError;
}

export interface ParseOptions {
  readonly limits?: ParseLimits;
}

/**
 * Parses one SIP message. See the file comment for the framing rules; see
 * ParseError for what to do with a failure.
 */
export function parseMessage(bytes: Buffer, options: ParseOptions = {}): Result<SipMessage, ParseError> {
  const limits = options.limits ?? DEFAULT_PARSE_LIMITS;
  const partial: Partial = { headers: [] };
  // RFC 3261 7.5: CRLFs before the start-line are ignored.
  let start = 0;
  while (start + 1 < bytes.length && bytes[start] === 0x0d && bytes[start + 1] === 0x0a) start += 2;
  if (start >= bytes.length) return fail('SIP_EMPTY', 'drop', 'Empty Message', partial);

  const searchEnd = Math.min(bytes.length, start + limits.maxMessageBytes);
  // Searched within the limit only (a view, no copy), whatever the caller's buffer holds beyond it.
  let headEnd = bytes.subarray(0, searchEnd).indexOf(CRLF_CRLF, start);
  if (headEnd + 4 > searchEnd) headEnd = -1;
  let bodyStart = headEnd + 4;
  let truncatedHead = false;
  if (headEnd < 0) {
    if (searchEnd < bytes.length) return fail('SIP_MESSAGE_TOO_LARGE', 'drop', 'Message Too Large', partial);
    // No empty line: the header block runs to the last complete line and the
    // message is incomplete (a datagram cut short, RFC 4475 3.1.2.15 archive).
    const lastCrlf = bytes.lastIndexOf('\r\n');
    headEnd = lastCrlf > start ? lastCrlf : bytes.length;
    bodyStart = bytes.length;
    truncatedHead = true;
  }

  // Most messages are ASCII throughout: then latin1 decodes the same text,
  // faster, and needs no UTF-8 check (nor a view of the head).
  let headText: string;
  if (isAscii(bytes)) headText = bytes.toString('latin1', start, headEnd);
  else {
    const head = bytes.subarray(start, headEnd);
    if (isAscii(head)) headText = head.toString('latin1');
    else if (isUtf8(head)) headText = head.toString('utf8');
    else return fail('SIP_INVALID_UTF8', 'drop', 'Invalid UTF-8', partial);
  }
  const firstEnd = headText.indexOf('\r\n');
  const firstLine = firstEnd < 0 ? headText : headText.slice(0, firstEnd);
  if (firstLine.length > limits.maxStartLineBytes) return fail('SIP_HEADER_TOO_LONG', 'drop', 'Start Line Too Long', partial);
  const startLine = parseStartLine(firstLine);
  if (startLine.ok) partial.start = startLine.value;
  else if (startLine.error.start) partial.start = startLine.error.start;

  const headerResult = firstEnd < 0 ? LINES_OK : parseHeaderLines(headText, firstEnd + 2, limits, partial, hasStrayControl(bytes, start, headEnd));
  if (!startLine.ok) return fail(startLine.error.code, startLine.error.status, startLine.error.reason, partial);
  if (!headerResult.ok) return fail(headerResult.code, headerResult.status, headerResult.reason, partial);
  if (truncatedHead) return fail('SIP_NO_HEADER_END', 400, 'Incomplete Message', partial);

  const sl = startLine.value;
  const headers = partial.headers;
  const index = new HeaderIndex(headers);
  const invalid = validateHeaders(sl, index);
  if (invalid) return fail(invalid.code, 400, invalid.reason, partial, invalid.header);

  // Body framing (RFC 3261 18.3, 20.14).
  let bodyEnd = bytes.length;
  const clField = index.contentLength;
  if (clField) {
    const cl = parseBoundedInt(clField.value, limits.maxMessageBytes);
    if (cl === undefined) {
      return isDigits(clField.value)
        ? fail('SIP_BODY_TOO_LARGE', 413, 'Request Entity Too Large', partial, 'content-length')
        : fail('SIP_BAD_CONTENT_LENGTH', 400, 'Bad Content-Length', partial, 'content-length');
    }
    if (bytes.length - bodyStart < cl) return fail('SIP_BODY_TRUNCATED', 400, 'Content-Length Exceeds Message', partial, 'content-length');
    bodyEnd = bodyStart + cl;
  }
  if (bodyEnd - start > limits.maxMessageBytes) return fail('SIP_MESSAGE_TOO_LARGE', 513, 'Message Too Large', partial);
  // A copy, so the message does not pin the whole datagram or stream buffer.
  let body = EMPTY_BODY;
  if (bodyEnd > bodyStart) {
    body = Buffer.allocUnsafe(bodyEnd - bodyStart);
    bytes.copy(body, 0, bodyStart, bodyEnd);
  }

  if (sl.kind === 'request') {
    const req: SipRequest = { kind: 'request', method: sl.method, uri: sl.uri, version: sl.version, headers, body };
    return ok(req);
  }
  const res: SipResponse = { kind: 'response', status: sl.status, reason: sl.reason, version: sl.version, headers, body };
  return ok(res);
}
