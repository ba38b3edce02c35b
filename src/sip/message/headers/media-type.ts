/**
 * RFC 3261 20.15 Content-Type and 20.1 Accept (media-type grammar of RFC
 * 2045/2616): type "/" subtype *( SEMI m-parameter ).
 */

import type { MediaType } from '../types.ts';
import { formatParams, isToken, parseParams, skipWs } from './lexer.ts';

export function parseMediaType(s: string): MediaType | undefined {
  const slash = s.indexOf('/');
  if (slash < 0) return undefined;
  const type = s.slice(0, slash).trim().toLowerCase();
  let i = skipWs(s, slash + 1);
  const start = i;
  while (i < s.length && s[i] !== ';' && s[i] !== ' ' && s[i] !== '\t') i++;
  const subtype = s.slice(start, i).toLowerCase();
  if (!isToken(type) || !isToken(subtype)) return undefined;
  const params = parseParams(s, i);
  if (!params) return undefined;
  return { type, subtype, params };
}

export function formatMediaType(m: MediaType): string {
  return `${m.type}/${m.subtype}${formatParams(m.params)}`;
}

/** Does an Accept range (`*\/*`, `application/*`, `application/sdp`) cover this type? */
export function mediaRangeCovers(range: MediaType, type: string, subtype: string): boolean {
  if (range.type === '*') return true;
  if (range.type !== type.toLowerCase()) return false;
  return range.subtype === '*' || range.subtype === subtype.toLowerCase();
}
