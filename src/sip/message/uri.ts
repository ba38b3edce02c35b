/**
 * URIs in SIP: sip/sips (RFC 3261 19.1, 25.1), with IPv6 references
 * (RFC 5118), tel (RFC 3966), and any other absolute URI kept opaque.
 *
 *   SIP-URI = "sip:" [ userinfo ] hostport uri-parameters [ headers ]
 *   userinfo = ( user / telephone-subscriber ) [ ":" password ] "@"
 *   uri-parameters = *( ";" pname [ "=" pvalue ] )
 *   headers = "?" hname "=" hvalue *( "&" hname "=" hvalue )
 *
 * Parsed components are stored unescaped; formatUri() escapes again what
 * the grammar requires, so `%6C` and `l` compare (and print) alike, as RFC
 * 3261 19.1.4 says they are.
 */

import { formatHost, normalizeHost, parseHost } from './host.ts';
import { findParam } from './headers/lexer.ts';
import type { OpaqueUri, Param, SipUri, TelUri, Uri } from './types.ts';

/** Why a URI was refused; stable, safe to log. */
export type UriErrorCode =
  | 'URI_NO_SCHEME'
  | 'URI_BAD_SCHEME'
  | 'URI_BAD_USERINFO'
  | 'URI_BAD_HOST'
  | 'URI_BAD_PORT'
  | 'URI_BAD_PARAM'
  | 'URI_BAD_HEADER'
  | 'URI_BAD_ESCAPE'
  | 'URI_BAD_CHAR'
  | 'URI_BAD_TEL';

// ------------------------------------------------------------ character sets

function charSet(chars: string): Uint8Array {
  const set = new Uint8Array(128);
  for (let c = 0x30; c <= 0x39; c++) set[c] = 1;
  for (let c = 0x41; c <= 0x5a; c++) set[c] = 1;
  for (let c = 0x61; c <= 0x7a; c++) set[c] = 1;
  for (const ch of chars) set[ch.charCodeAt(0)] = 1;
  return set;
}

const MARK = "-_.!~*'()";
/** RFC 3261 25.1 user = 1*( unreserved / escaped / user-unreserved ). */
const USER = charSet(MARK + '&=+$,;?/');
/** password = *( unreserved / escaped / "&" / "=" / "+" / "$" / "," ). */
const PASSWORD = charSet(MARK + '&=+$,');
/** paramchar = param-unreserved / unreserved / escaped. */
const PARAM = charSet(MARK + '[]/:&+$');
/** hname / hvalue = 1*( hnv-unreserved / unreserved / escaped ). */
const HEADER = charSet(MARK + '[]/?:+$');

function allowed(set: Uint8Array, s: string): boolean {
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) continue; // '%': checked by unescape
    if (c >= 128 || set[c] !== 1) return false;
  }
  return true;
}

/**
 * Decodes %HH escapes. Octets decode as UTF-8 when they form valid UTF-8,
 * otherwise one character per octet, so decoding never fails on odd bytes.
 */
export function unescapeUri(s: string): string | undefined {
  if (s.indexOf('%') < 0) return s;
  const bytes: number[] = [];
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x25) {
      const hex = s.slice(i + 1, i + 3);
      if (!/^[0-9a-fA-F]{2}$/.test(hex)) return undefined;
      bytes.push(parseInt(hex, 16));
      i += 2;
    } else if (c < 0x80) {
      bytes.push(c);
    } else {
      for (const b of Buffer.from(s[i] as string, 'utf8')) bytes.push(b);
    }
  }
  const buf = Buffer.from(bytes);
  const text = buf.toString('utf8');
  return Buffer.byteLength(text, 'utf8') === buf.length && !text.includes('\uFFFD') ? text : buf.toString('latin1');
}

function escapeWith(set: Uint8Array, s: string): string {
  let out = '';
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 128 && set[c] === 1) {
      out += s[i];
    } else if (c < 128) {
      out += '%' + c.toString(16).toUpperCase().padStart(2, '0');
    } else {
      const cp = s.codePointAt(i) as number;
      if (cp > 0xffff) i++;
      for (const b of Buffer.from(String.fromCodePoint(cp), 'utf8')) {
        out += '%' + b.toString(16).toUpperCase().padStart(2, '0');
      }
    }
  }
  return out;
}

export const escapeUser = (s: string): string => escapeWith(USER, s);
export const escapeParam = (s: string): string => escapeWith(PARAM, s);

// ------------------------------------------------------------ parsing

type UriResult = { ok: true; value: Uri } | { ok: false; error: UriErrorCode };

/** RFC 3986 scheme = ALPHA *( ALPHA / DIGIT / "+" / "-" / "." ), as text[0, end). */
function isScheme(text: string, end: number): boolean {
  for (let i = 0; i < end; i++) {
    const c = text.charCodeAt(i);
    const alpha = (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
    if (alpha) continue;
    if (i === 0) return false;
    if ((c >= 0x30 && c <= 0x39) || c === 0x2b || c === 0x2d || c === 0x2e) continue;
    return false;
  }
  return end > 0;
}

/**
 * URIs parsed lately, by their exact text. The same few URIs come back in
 * every message of a phone: its registrar's Request-URI, its AOR in From
 * and To, its Contact, the digest-uri; a registration parsed each of them
 * twice per REGISTER, about a fifth of what a REGISTER allocated. A parse
 * is a pure function of the text, so a remembered result is the result.
 * Results are shared, like the messages they sit in: read-only (the types
 * say so; freezing them would make every reader of a params array
 * polymorphic, and cost more than the parse saved).
 * Bounded: emptied when full (a flood of distinct URIs costs a lookup and
 * an insert each, no more memory), and only URIs of up to MEMO_TEXT_LIMIT
 * characters, parsed from a copy of their own: an entry holds its own few
 * hundred bytes, never the message it came in (a slice of a 64 KiB request
 * would keep it all: 512 of them, 32 MiB, for any peer to fill).
 */
const memo = new Map<string, UriResult>();
const MEMO_LIMIT = 512;
const MEMO_TEXT_LIMIT = 256;

/**
 * Parses any URI that may appear in a Request-URI or a name-addr. Never
 * throws. Whitespace and control characters make a URI invalid (RFC 4475
 * 3.1.2.8 lwsruri).
 */
export function parseUri(text: string): UriResult {
  if (text.length > MEMO_TEXT_LIMIT) return parseUriText(text);
  const known = memo.get(text);
  if (known !== undefined) return known;
  const own = flatCopy(text);
  const result = parseUriText(own);
  if (result.ok) {
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(own, result);
  }
  return result;
}

/**
 * The text as a string of its own. A slice of a message points into the
 * message's text and keeps all of it alive; concatenating forces a new
 * string, and reading a character flattens it, so the slice taken off it
 * points into that copy only.
 */
function flatCopy(text: string): string {
  const copy = '\u0000' + text;
  copy.charCodeAt(0);
  return copy.slice(1);
}

function parseUriText(text: string): UriResult {
  const colon = text.indexOf(':');
  if (colon <= 0) return { ok: false, error: 'URI_NO_SCHEME' };
  if (!isScheme(text, colon)) return { ok: false, error: 'URI_BAD_SCHEME' };
  const scheme = text.slice(0, colon);
  const rest = text.slice(colon + 1);
  for (let i = 0; i < rest.length; i++) {
    const c = rest.charCodeAt(i);
    if (c <= 0x20 || c === 0x7f || c === 0x3c || c === 0x3e || c === 0x22) return { ok: false, error: 'URI_BAD_CHAR' };
  }
  const lower = scheme === 'sip' || scheme === 'sips' || scheme === 'tel' ? scheme : scheme.toLowerCase();
  if (lower === 'sip' || lower === 'sips') return parseSipUri(lower, rest);
  if (lower === 'tel') return parseTelUri(rest);
  if (rest.length === 0) return { ok: false, error: 'URI_BAD_CHAR' };
  const opaque: OpaqueUri = { scheme: lower, opaque: rest };
  return { ok: true, value: opaque };
}

function parseSipUri(scheme: 'sip' | 'sips', rest: string): UriResult {
  let user: string | undefined;
  let password: string | undefined;
  let hostStart = 0;
  const at = rest.indexOf('@');
  if (at >= 0) {
    // user may legally hold ';', '?', '/' and ',' (user-unreserved); '@' never.
    const userinfo = rest.slice(0, at);
    const pw = userinfo.indexOf(':');
    const rawUser = pw >= 0 ? userinfo.slice(0, pw) : userinfo;
    if (rawUser.length === 0 || !allowed(USER, rawUser)) return { ok: false, error: 'URI_BAD_USERINFO' };
    user = unescapeUri(rawUser);
    if (user === undefined) return { ok: false, error: 'URI_BAD_ESCAPE' };
    if (pw >= 0) {
      const rawPw = userinfo.slice(pw + 1);
      if (!allowed(PASSWORD, rawPw)) return { ok: false, error: 'URI_BAD_USERINFO' };
      password = unescapeUri(rawPw);
      if (password === undefined) return { ok: false, error: 'URI_BAD_ESCAPE' };
    }
    hostStart = at + 1;
  }
  // hostport ends at ';' (parameters) or '?' (headers).
  let i = hostStart;
  if (rest.charCodeAt(i) === 0x5b) {
    const close = rest.indexOf(']', i);
    if (close < 0) return { ok: false, error: 'URI_BAD_HOST' };
    i = close + 1;
  } else {
    for (; i < rest.length; i++) {
      const c = rest.charCodeAt(i);
      if (c === 0x3a || c === 0x3b || c === 0x3f) break;
    }
  }
  const host = parseHost(rest.slice(hostStart, i));
  if (!host) return { ok: false, error: 'URI_BAD_HOST' };
  let port: number | undefined;
  if (rest.charCodeAt(i) === 0x3a) {
    const pStart = ++i;
    while (i < rest.length && rest.charCodeAt(i) !== 0x3b && rest.charCodeAt(i) !== 0x3f) i++;
    // 1*5DIGIT, at most 65535.
    if (i === pStart || i - pStart > 5) return { ok: false, error: 'URI_BAD_PORT' };
    let value = 0;
    for (let k = pStart; k < i; k++) {
      const c = rest.charCodeAt(k);
      if (c < 0x30 || c > 0x39) return { ok: false, error: 'URI_BAD_PORT' };
      value = value * 10 + (c - 0x30);
    }
    if (value > 65535) return { ok: false, error: 'URI_BAD_PORT' };
    port = value;
  }
  const params: Param[] = [];
  const q = rest.indexOf('?', i);
  const paramText = rest.slice(i, q >= 0 ? q : rest.length);
  if (paramText.length > 0) {
    // ";" pname [ "=" pvalue ], repeated: walked by offsets, not split.
    for (let from = 1; from <= paramText.length; ) {
      let to = paramText.indexOf(';', from);
      if (to < 0) to = paramText.length;
      // "=" within this parameter only (a search past its ";" would make a long list quadratic).
      let eq = -1;
      for (let k = from; k < to; k++) {
        if (paramText.charCodeAt(k) === 0x3d) {
          eq = k;
          break;
        }
      }
      const hasValue = eq >= 0;
      const rawName = paramText.slice(from, hasValue ? eq : to);
      const rawValue = hasValue ? paramText.slice(eq + 1, to) : null;
      from = to + 1;
      if (rawName.length === 0 || !allowed(PARAM, rawName)) return { ok: false, error: 'URI_BAD_PARAM' };
      if (rawValue !== null && (rawValue.length === 0 || !allowed(PARAM, rawValue))) return { ok: false, error: 'URI_BAD_PARAM' };
      const name = unescapeUri(rawName);
      const value = rawValue === null ? null : unescapeUri(rawValue);
      if (name === undefined || value === undefined) return { ok: false, error: 'URI_BAD_ESCAPE' };
      params.push({ name, value });
    }
  }
  const headers: Param[] = [];
  if (q >= 0) {
    for (const part of rest.slice(q + 1).split('&')) {
      const eq = part.indexOf('=');
      if (eq <= 0) return { ok: false, error: 'URI_BAD_HEADER' };
      const rawName = part.slice(0, eq);
      const rawValue = part.slice(eq + 1);
      if (!allowed(HEADER, rawName) || !allowed(HEADER, rawValue)) return { ok: false, error: 'URI_BAD_HEADER' };
      const name = unescapeUri(rawName);
      const value = unescapeUri(rawValue);
      if (name === undefined || value === undefined) return { ok: false, error: 'URI_BAD_ESCAPE' };
      headers.push({ name, value });
    }
  }
  // One fixed object shape (absent parts are undefined): spreads of
  // optional parts cost more than the rest of the parse together.
  const uri: SipUri = { scheme, user, password, host: host.host, hostKind: host.kind, port, params, headers };
  return { ok: true, value: uri };
}

/** RFC 3966: telephone-subscriber = global-number / local-number, then ;params. */
function parseTelUri(rest: string): UriResult {
  const parts = rest.split(';');
  const number = parts[0] ?? '';
  if (!/^\+?[0-9A-Fa-f*#().\-]+$/.test(number) || !/[0-9A-Fa-f*#]/.test(number)) {
    return { ok: false, error: 'URI_BAD_TEL' };
  }
  const params: Param[] = [];
  for (const part of parts.slice(1)) {
    const eq = part.indexOf('=');
    const name = eq >= 0 ? part.slice(0, eq) : part;
    const raw = eq >= 0 ? part.slice(eq + 1) : null;
    if (name.length === 0 || !allowed(PARAM, name)) return { ok: false, error: 'URI_BAD_PARAM' };
    const value = raw === null ? null : unescapeUri(raw);
    if (value === undefined) return { ok: false, error: 'URI_BAD_ESCAPE' };
    params.push({ name, value });
  }
  const tel: TelUri = { scheme: 'tel', number, params };
  return { ok: true, value: tel };
}

// ------------------------------------------------------------ accessors

export function isSipUri(uri: Uri): uri is SipUri {
  return uri.scheme === 'sip' || uri.scheme === 'sips';
}

export function isTelUri(uri: Uri): uri is TelUri {
  return uri.scheme === 'tel';
}

/** A uri-parameter's value: null for a flag (`;lr`), undefined when absent. */
export function uriParam(uri: SipUri | TelUri, name: string): string | null | undefined {
  const p = findParam(uri.params, name);
  return p === undefined ? undefined : p.value;
}

// ------------------------------------------------------------ formatting

export function formatUri(uri: Uri): string {
  if (isSipUri(uri)) {
    let out = uri.scheme + ':';
    if (uri.user !== undefined) {
      out += escapeUser(uri.user);
      if (uri.password !== undefined) out += ':' + escapeWith(PASSWORD, uri.password);
      out += '@';
    }
    out += formatHost(uri.host, uri.hostKind);
    if (uri.port !== undefined) out += ':' + uri.port;
    for (const p of uri.params) out += ';' + escapeParam(p.name) + (p.value === null ? '' : '=' + escapeParam(p.value));
    uri.headers.forEach((h, n) => {
      out += (n === 0 ? '?' : '&') + escapeWith(HEADER, h.name) + '=' + escapeWith(HEADER, h.value ?? '');
    });
    return out;
  }
  if (isTelUri(uri)) {
    let out = 'tel:' + uri.number;
    for (const p of uri.params) out += ';' + p.name + (p.value === null ? '' : '=' + escapeParam(p.value));
    return out;
  }
  return `${uri.scheme}:${(uri as OpaqueUri).opaque}`;
}

// ------------------------------------------------------------ comparison

/** uri-parameters that, present in either URI, must be present and equal in both (RFC 3261 19.1.4). */
const STRICT_PARAMS = ['user', 'ttl', 'method', 'maddr', 'transport'];

function paramsEqual(a: readonly Param[], b: readonly Param[]): boolean {
  for (const name of STRICT_PARAMS) {
    const pa = findParam(a, name);
    const pb = findParam(b, name);
    if ((pa === undefined) !== (pb === undefined)) return false;
    if (pa && pb && (pa.value ?? '').toLowerCase() !== (pb.value ?? '').toLowerCase()) return false;
  }
  // Any other parameter is compared only when it appears in both.
  for (const pa of a) {
    const pb = findParam(b, pa.name);
    if (pb && (pa.value ?? '').toLowerCase() !== (pb.value ?? '').toLowerCase()) return false;
  }
  return true;
}

function headersEqual(a: readonly Param[], b: readonly Param[]): boolean {
  // Header components are never ignored: each in one must match one in the other.
  if (a.length !== b.length) return false;
  for (const ha of a) {
    const hb = findParam(b, ha.name);
    if (!hb || hb.value !== ha.value) return false;
  }
  return true;
}

function telNumberNormal(n: string): string {
  return n.replace(/[().\-]/g, '').toLowerCase();
}

/**
 * URI equivalence per RFC 3261 19.1.4 (sip/sips), RFC 3966 5 (tel) and exact
 * scheme-insensitive text for others. Userinfo is case-sensitive; host,
 * parameters and header names are not; escapes are already decoded; an
 * explicit port never equals an absent one.
 */
export function uriEquals(a: Uri, b: Uri): boolean {
  if (a.scheme !== b.scheme) return false;
  if (isSipUri(a) && isSipUri(b)) {
    if (a.user !== b.user || a.password !== b.password) return false;
    if (normalizeHost(a.host, a.hostKind) !== normalizeHost(b.host, b.hostKind)) return false;
    if (a.port !== b.port) return false;
    return paramsEqual(a.params, b.params) && paramsEqual(b.params, a.params) && headersEqual(a.headers, b.headers);
  }
  if (isTelUri(a) && isTelUri(b)) {
    if (telNumberNormal(a.number) !== telNumberNormal(b.number)) return false;
    if (a.params.length !== b.params.length) return false;
    return a.params.every((p) => {
      const q = findParam(b.params, p.name);
      return q !== undefined && (q.value ?? '').toLowerCase() === (p.value ?? '').toLowerCase();
    });
  }
  return (a as OpaqueUri).opaque === (b as OpaqueUri).opaque;
}
