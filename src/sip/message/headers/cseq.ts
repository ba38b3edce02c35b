/** RFC 3261 20.16 CSeq = 1*DIGIT LWS Method. */

import type { CSeq } from '../types.ts';
import { isToken, parseBoundedInt } from './lexer.ts';

/** RFC 3261 8.1.1.5: the sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

export function parseCSeq(s: string): CSeq | undefined {
  // 1*DIGIT, then SP/HTAB, then a method token; whitespace around the whole
  // is allowed (trim() and \s are the same set). A scan, not a regex: every
  // message carries one.
  const t = s.trim();
  let i = 0;
  while (i < t.length && t.charCodeAt(i) >= 0x30 && t.charCodeAt(i) <= 0x39) i++;
  if (i === 0) return undefined;
  const digitsEnd = i;
  while (i < t.length && (t.charCodeAt(i) === 0x20 || t.charCodeAt(i) === 0x09)) i++;
  if (i === digitsEnd) return undefined;
  const seq = parseBoundedInt(t.slice(0, digitsEnd), MAX_CSEQ);
  const method = t.slice(i);
  if (seq === undefined || !isToken(method)) return undefined;
  return { seq, method };
}

export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}
