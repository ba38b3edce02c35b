/**
 * Option-tag and method lists: Supported, Require, Proxy-Require,
 * Unsupported (RFC 3261 20.37, 20.32, 20.29, 20.40) and Allow (20.5).
 */

import { isToken, splitList } from './lexer.ts';

/** Parses `tag, tag, …`; an empty value is an empty list (Supported may be empty). */
export function parseTokenList(s: string): string[] | undefined {
  if (s.trim() === '') return [];
  const parts = splitList(s);
  if (!parts) return undefined;
  for (const p of parts) if (!isToken(p)) return undefined;
  return parts;
}
