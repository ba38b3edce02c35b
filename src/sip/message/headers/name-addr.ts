/**
 * name-addr / addr-spec with header parameters: From, To (RFC 3261 20.20,
 * 20.39), Contact (20.10), Route, Record-Route (20.34, 20.30), Reply-To …
 *
 *   name-addr = [ display-name ] LAQUOT addr-spec RAQUOT
 *   display-name = *(token LWS) / quoted-string
 *
 * In the addr-spec form (no angle brackets) a ';' always starts a header
 * parameter, never a URI parameter (RFC 3261 20.10; RFC 4475 3.3.12).
 */

import { formatUri, parseUri } from '../uri.ts';
import type { Contact, FromTo, NameAddr, Param } from '../types.ts';
import { formatParams, isToken, isTokenChar, isWs, paramValue, parseClampedInt, parseParams, quote, readQuoted, skipWs } from './lexer.ts';

/** Parses one name-addr or addr-spec with trailing parameters. */
export function parseNameAddr(s: string): NameAddr | undefined {
  let i = skipWs(s, 0);
  let displayName: string | undefined;
  let uriText: string;
  let after: number;
  if (s[i] === '"') {
    const q = readQuoted(s, i);
    if (!q) return undefined;
    displayName = q.text;
    i = skipWs(s, q.end);
    if (s[i] !== '<') return undefined;
  } else {
    const lt = s.indexOf('<', i);
    if (lt >= 0) {
      const name = s.slice(i, lt).trim();
      if (name.length > 0) {
        // display-name = *(token LWS): tokens separated by whitespace only.
        for (let k = 0; k < name.length; k++) {
          const c = name.charCodeAt(k);
          if (!isTokenChar(c) && !isWs(c)) return undefined;
        }
        displayName = name;
      }
      i = lt;
    }
  }
  if (s[i] === '<') {
    const gt = s.indexOf('>', i);
    if (gt < 0) return undefined;
    uriText = s.slice(i + 1, gt);
    after = gt + 1;
  } else {
    let end = i;
    while (end < s.length && s[end] !== ';' && s[end] !== ' ' && s[end] !== '\t') end++;
    uriText = s.slice(i, end);
    after = end;
  }
  const uri = parseUri(uriText);
  if (!uri.ok) return undefined;
  const params = parseParams(s, after);
  if (!params) return undefined;
  return { displayName, uri: uri.value, params };
}

export function parseFromTo(s: string): FromTo | undefined {
  const na = parseNameAddr(s);
  if (!na) return undefined;
  const tag = paramValue(na.params, 'tag');
  if (tag === null) return undefined;
  return { displayName: na.displayName, uri: na.uri, params: na.params, tag };
}

/** RFC 3261 20.10 qvalue = ( "0" [ "." 0*3DIGIT ] ) / ( "1" [ "." 0*3("0") ] ). */
function parseQ(v: string): number | undefined {
  return /^(0(\.[0-9]{0,3})?|1(\.0{0,3})?)$/.test(v) ? Number(v) : undefined;
}

/** Delta-seconds are 32-bit (RFC 3261 20.19); larger values clamp. */
export const MAX_DELTA_SECONDS = 4_294_967_295;

export function parseContact(s: string): Contact | undefined {
  if (s.trim() === '*') return { star: true };
  const na = parseNameAddr(s);
  if (!na) return undefined;
  const exp = paramValue(na.params, 'expires');
  const q = paramValue(na.params, 'q');
  // A malformed expires reads as undefined here, the parameter still in
  // `params`: the registrar refuses it (400). A bad q is ignored instead.
  const expires = typeof exp === 'string' ? parseClampedInt(exp, MAX_DELTA_SECONDS) : undefined;
  const qv = typeof q === 'string' ? parseQ(q) : undefined;
  return { star: false, displayName: na.displayName, uri: na.uri, params: na.params, expires, q: qv };
}

/** Writes a name-addr, always in the angle-bracket form (safe for any URI). */
export function formatNameAddr(na: { displayName?: string; uri: NameAddr['uri']; params: readonly Param[] }): string {
  let out = '';
  if (na.displayName !== undefined && na.displayName.length > 0) {
    out += (isDisplayTokens(na.displayName) ? na.displayName : quote(na.displayName)) + ' ';
  }
  return out + '<' + formatUri(na.uri) + '>' + formatParams(na.params);
}

function isDisplayTokens(s: string): boolean {
  return s.split(' ').every((t) => isToken(t));
}

export function formatContact(c: Contact): string {
  return c.star ? '*' : formatNameAddr(c);
}
