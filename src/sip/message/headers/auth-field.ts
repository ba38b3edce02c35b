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
  while (i < s.length) {
    const nameStart = i;
    while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
    const name = s.slice(nameStart, i).toLowerCase();
    if (!name) return undefined;
    i = skipWs(s, i);
    if (s[i] !== '=') return undefined;
    i = skipWs(s, i + 1);
    let value: string;
    if (s[i] === '"') {
      const q = readQuoted(s, i);
      if (!q) return undefined;
      value = q.text;
      i = q.end;
    } else {
      const vStart = i;
      while (i < s.length && s[i] !== ',' && s[i] !== ' ' && s[i] !== '\t') i++;
      value = s.slice(vStart, i);
      if (!value) return undefined;
    }
    // A repeated parameter makes the field ambiguous; refuse it (RFC 7616 3.4 lists each once).
    if (out.has(name)) return undefined;
    out.set(name, value);
    i = skipWs(s, i);
    if (i >= s.length) break;
    if (s[i] !== ',') return undefined;
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
