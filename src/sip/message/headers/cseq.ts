/** RFC 3261 20.16 CSeq = 1*DIGIT LWS Method. */

import type { CSeq } from '../types.ts';
import { isToken, parseBoundedInt } from './lexer.ts';

/** RFC 3261 8.1.1.5: the sequence number MUST be less than 2**31. */
export const MAX_CSEQ = 2 ** 31 - 1;

export function parseCSeq(s: string): CSeq | undefined {
  const m = /^\s*([0-9]+)[ \t]+(\S+)\s*$/.exec(s);
  if (!m) return undefined;
  const seq = parseBoundedInt(m[1] as string, MAX_CSEQ);
  const method = m[2] as string;
  if (seq === undefined || !isToken(method)) return undefined;
  return { seq, method };
}

export function formatCSeq(c: CSeq): string {
  return `${c.seq} ${c.method}`;
}
