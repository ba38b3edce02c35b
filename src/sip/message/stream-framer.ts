/**
 * Cuts a TCP/TLS byte stream into SIP messages (RFC 3261 18.3).
 *
 * On a stream the header block ends at the first empty line and the body is
 * exactly Content-Length octets (absent means 0). Between messages a peer
 * may send keep-alives (RFC 5626 3.5.1): a double CRLF "ping", which the
 * transport answers with a single CRLF "pong", and single CRLFs, ignored.
 *
 * Pure: push() takes bytes and returns what they completed. Once framing
 * fails (no empty line within the size limit, a bad Content-Length) the
 * stream cannot be resynchronised; every later push returns the same error
 * and the transport should answer if it can, then close the connection.
 */

import { parseMessage } from './parse.ts';
import { headerKey } from './headers/names.ts';
import { parseBoundedInt } from './headers/lexer.ts';
import { DEFAULT_PARSE_LIMITS, type ParseError, type ParseLimits } from './types.ts';

export type FramerEvent =
  /** One whole message, ready for parseMessage(). */
  | { readonly kind: 'message'; readonly bytes: Buffer }
  /** A CRLFCRLF ping: answer with a single CRLF. */
  | { readonly kind: 'keepalive' };

export interface FramerResult {
  readonly events: FramerEvent[];
  /** Set when framing failed; the framer stays failed. */
  readonly error?: ParseError;
}

const CRLF_CRLF = Buffer.from('\r\n\r\n');

export class StreamFramer {
  /**
   * Pending octets live in store[start, end). The store doubles when full,
   * so a peer trickling one octet at a time costs linear, not quadratic,
   * copying.
   */
  private store: Buffer = Buffer.allocUnsafe(4096);
  private start = 0;
  private end = 0;
  /** Where to resume the search for the empty line, so big headers are scanned once. */
  private searchFrom = 0;
  private failure: ParseError | undefined;

  constructor(private readonly limits: ParseLimits = DEFAULT_PARSE_LIMITS) {}

  /** Octets held waiting for the rest of a message. */
  get buffered(): number {
    return this.end - this.start;
  }

  push(chunk: Buffer): FramerResult {
    if (this.failure) return { events: [], error: this.failure };
    this.append(chunk);
    const events: FramerEvent[] = [];
    for (;;) {
      const b = this.store.subarray(this.start, this.end);
      // Keep-alives and stray CRLFs between messages.
      if (b.length >= 2 && b[0] === 0x0d && b[1] === 0x0a) {
        if (b.length >= 4 && b[2] === 0x0d && b[3] === 0x0a) {
          events.push({ kind: 'keepalive' });
          this.consume(4);
          continue;
        }
        // "\r\n" alone may be the first half of a ping: wait for the next octets.
        if (b.length === 2 || (b.length === 3 && b[2] === 0x0d)) break;
        this.consume(2);
        continue;
      }
      if (b.length === 0) break;
      const end = b.indexOf(CRLF_CRLF, Math.max(0, this.searchFrom - 3));
      if (end < 0) {
        this.searchFrom = b.length;
        if (b.length > this.limits.maxMessageBytes) return this.fail(events, b);
        break;
      }
      const bodyLength = contentLength(b.subarray(0, end));
      if (bodyLength === undefined) return this.fail(events, b.subarray(0, end + 4));
      const total = end + 4 + bodyLength;
      if (total > this.limits.maxMessageBytes) return this.fail(events, b.subarray(0, end + 4));
      if (b.length < total) {
        this.searchFrom = end;
        break;
      }
      events.push({ kind: 'message', bytes: Buffer.from(b.subarray(0, total)) });
      this.consume(total);
    }
    return { events };
  }

  private append(chunk: Buffer): void {
    const pending = this.end - this.start;
    if (this.end + chunk.length > this.store.length) {
      let size = this.store.length;
      while (size < pending + chunk.length) size *= 2;
      const next = size === this.store.length ? this.store : Buffer.allocUnsafe(size);
      this.store.copy(next, 0, this.start, this.end);
      this.store = next;
      this.start = 0;
      this.end = pending;
    }
    chunk.copy(this.store, this.end);
    this.end += chunk.length;
  }

  private consume(n: number): void {
    this.start += n;
    if (this.start === this.end) {
      this.start = 0;
      this.end = 0;
      // Give back a store that grew for one large message.
      if (this.store.length > 65_536) this.store = Buffer.allocUnsafe(4096);
    }
    this.searchFrom = 0;
  }

  /**
   * Records a framing failure. The error comes from parsing what we have,
   * so a request with readable headers gets its status and partial request
   * (e.g. 400 for a negative Content-Length, 513 for an endless header).
   */
  private fail(events: FramerEvent[], head: Buffer): FramerResult {
    const limited = head.subarray(0, this.limits.maxMessageBytes);
    const parsed = parseMessage(limited, { limits: { ...this.limits, maxMessageBytes: limited.length + 1 } });
    let error: ParseError;
    if (!parsed.ok && parsed.error.code !== 'SIP_NO_HEADER_END' && parsed.error.code !== 'SIP_BODY_TRUNCATED') {
      error = parsed.error;
    } else {
      const status = !parsed.ok && parsed.error.request ? 513 : 'drop';
      error = {
        code: 'SIP_MESSAGE_TOO_LARGE',
        status: parsed.ok ? 'drop' : status,
        reason: 'Message Too Large',
        ...(!parsed.ok && parsed.error.request ? { request: parsed.error.request } : {}),
      };
    }
    this.failure = error;
    this.store = Buffer.alloc(0);
    this.start = 0;
    this.end = 0;
    return { events, error };
  }
}

/**
 * Content-Length of a header block (start line included, empty line not),
 * 0 when absent, undefined when malformed or given twice with different
 * values (RFC 4475 3.3.9 mcl01: the stream cannot be framed).
 */
function contentLength(head: Buffer): number | undefined {
  const text = head.toString('latin1');
  let found: number | undefined;
  let pos = text.indexOf('\r\n');
  while (pos >= 0) {
    const lineStart = pos + 2;
    const next = text.indexOf('\r\n', lineStart);
    const lineEnd = next < 0 ? text.length : next;
    const colon = text.indexOf(':', lineStart);
    if (colon > lineStart && colon < lineEnd) {
      const key = headerKey(text.slice(lineStart, colon).trimEnd());
      if (key === 'content-length') {
        // Folded continuation lines belong to this value.
        let valueEnd = lineEnd;
        while (valueEnd < text.length && (text[valueEnd + 2] === ' ' || text[valueEnd + 2] === '\t')) {
          const more = text.indexOf('\r\n', valueEnd + 2);
          valueEnd = more < 0 ? text.length : more;
        }
        const v = parseBoundedInt(text.slice(colon + 1, valueEnd).replace(/\s+/g, ''), Number.MAX_SAFE_INTEGER);
        if (v === undefined || (found !== undefined && found !== v)) return undefined;
        found = v;
      }
    }
    pos = next;
  }
  return found ?? 0;
}
