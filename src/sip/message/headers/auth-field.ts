/**
 * Authentication header fields (RFC 3261 20.7, 20.27, 20.28, 20.44; RFC
 * 7235 2.1): `scheme` then comma-separated auth-params.
 *
 *   challenge = ("Digest" LWS digest-cln *(COMMA digest-cln)) / other-challenge
 *   auth-param = auth-param-name EQUAL ( token / quoted-string )
 *
 * Parameter names are lower-cased, quoted values unquoted. A scheme whose
 * parameters do not follow that grammar still parses (RFC 4475 3.3.7
 * regaut01): its params are empty and its text stays in `raw`.
 */

import type { AuthField } from '../types.ts';
import { isToken, isTokenChar, quote, readQuoted, skipWs } from './lexer.ts';

export function parseAuthField(s: string): AuthField | undefined {
  let i = skipWs(s, 0);
  const start = i;
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  const scheme = s.slice(start, i);
  if (!scheme) return undefined;
  if (i < s.length && s[i] !== ' ' && s[i] !== '\t') return undefined;
  const params = parseAuthParams(s, skipWs(s, i));
  return { scheme, params: params ?? new Map(), raw: s.slice(start) };
}

function parseAuthParams(s: string, i: number): Map<string, string> | undefined {
  const out = new Map<string, string>();
  const n = s.length;
  while (i < n) {
    const nameStart = i;
    let upper = false;
    for (; i < n; i++) {
      const c = s.charCodeAt(i);
      if (!isTokenChar(c)) break;
      if (c >= 0x41 && c <= 0x5a) upper = true;
    }
    if (i === nameStart) return undefined;
    // Names are nearly always written in lower case already: no copy then.
    const name = upper ? s.slice(nameStart, i).toLowerCase() : s.slice(nameStart, i);
    i = skipWs(s, i);
    if (s.charCodeAt(i) !== 0x3d) return undefined;
    i = skipWs(s, i + 1);
    let value: string;
    if (s.charCodeAt(i) === 0x22) {
      // A quoted value without quoted-pairs (every digest parameter Sotto
      // sees) is the text between its quotes; anything else goes to readQuoted.
      let j = i + 1;
      let c = 0;
      while (j < n) {
        c = s.charCodeAt(j);
        if (c === 0x22 || c === 0x5c || c === 0x0a || c === 0x0d) break;
        j++;
      }
      if (j < n && c === 0x22) {
        value = s.slice(i + 1, j);
        i = j + 1;
      } else {
        const q = readQuoted(s, i);
        if (!q) return undefined;
        value = q.text;
        i = q.end;
      }
    } else {
      const vStart = i;
      for (; i < n; i++) {
        const c = s.charCodeAt(i);
        if (c === 0x2c || c === 0x20 || c === 0x09) break;
      }
      value = s.slice(vStart, i);
      if (!value) return undefined;
    }
    // A repeated parameter makes the field ambiguous; refuse it (RFC 7616 3.4 lists each once).
    if (out.has(name)) return undefined;
    out.set(name, value);
    i = skipWs(s, i);
    if (i >= n) break;
    if (s.charCodeAt(i) !== 0x2c) return undefined;
    i = skipWs(s, i + 1);
  }
  return out;
}

/** Parameters written as tokens, never quoted (RFC 7616 3.3/3.4; quoting them breaks some phones). */
const UNQUOTED = new Set(['algorithm', 'stale', 'nc', 'qop-value']);

/**
 * Writes `Scheme name="value", …` in the given order. `qop` is quoted in a
 * challenge (a list) and bare in credentials: pass `tokenParams` to choose.
 */
export function formatAuthField(scheme: string, params: ReadonlyArray<readonly [string, string]>, tokenParams: ReadonlySet<string> = UNQUOTED): string {
  const parts = params.map(([k, v]) => (tokenParams.has(k) && isToken(v) ? `${k}=${v}` : `${k}=${quote(v)}`));
  return `${scheme} ${parts.join(', ')}`;
}
