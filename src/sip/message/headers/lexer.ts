/**
 * Character classes and small scanners shared by the header grammars of
 * RFC 3261 25.1. Every function here works on an already unfolded header
 * value (folding is undone by the parser) and reports failure by returning
 * undefined or -1, never by throwing.
 */

import type { Param } from '../types.ts';

// RFC 3261 25.1: token = 1*(alphanum / "-" / "." / "!" / "%" / "*" / "_" / "+" / "`" / "'" / "~")
const TOKEN = new Uint8Array(128);
for (const c of 'abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789-.!%*_+`\'~') {
  TOKEN[c.charCodeAt(0)] = 1;
}

export function isTokenChar(code: number): boolean {
  return code < 128 && TOKEN[code] === 1;
}

export function isToken(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    if (!isTokenChar(s.charCodeAt(i))) return false;
  }
  return true;
}

export function isWs(code: number): boolean {
  return code === 0x20 || code === 0x09;
}

export function skipWs(s: string, i: number): number {
  while (i < s.length && isWs(s.charCodeAt(i))) i++;
  return i;
}

export function isDigits(s: string): boolean {
  if (s.length === 0) return false;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c < 0x30 || c > 0x39) return false;
  }
  return true;
}

/**
 * Parses an unsigned decimal bounded by `max`; undefined when not digits or
 * larger (overlarge scalars are a classic crash, RFC 4475 3.1.2.4).
 */
export function parseBoundedInt(s: string, max: number): number | undefined {
  if (!isDigits(s)) return undefined;
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 0x30) i++;
  if (s.length - i > 16) return undefined;
  const n = Number(s.slice(i));
  return n <= max ? n : undefined;
}

/** Like parseBoundedInt but values above `max` clamp to it (RFC 3261 20.19 delta-seconds). */
export function parseClampedInt(s: string, max: number): number | undefined {
  if (!isDigits(s)) return undefined;
  let i = 0;
  while (i < s.length - 1 && s.charCodeAt(i) === 0x30) i++;
  if (s.length - i > 16) return max;
  return Math.min(Number(s.slice(i)), max);
}

/**
 * Reads a quoted-string starting at s[i] === '"'. Returns the unescaped
 * content and the index after the closing quote, or undefined when the
 * quote never closes (RFC 4475 3.1.2.6).
 */
export function readQuoted(s: string, i: number): { text: string; end: number } | undefined {
  if (s.charCodeAt(i) !== 0x22) return undefined;
  let out = '';
  let j = i + 1;
  let runStart = j;
  while (j < s.length) {
    const c = s.charCodeAt(j);
    if (c === 0x22) {
      out += s.slice(runStart, j);
      return { text: out, end: j + 1 };
    }
    if (c === 0x5c) {
      // RFC 3261 25.1 quoted-pair = "\" (%x00-09 / %x0B-0C / %x0E-7F)
      const next = s.charCodeAt(j + 1);
      if (Number.isNaN(next) || next === 0x0a || next === 0x0d || next > 0x7f) return undefined;
      out += s.slice(runStart, j) + s[j + 1];
      j += 2;
      runStart = j;
      continue;
    }
    if (c === 0x0a || c === 0x0d) return undefined;
    j++;
  }
  return undefined;
}

/** Quotes a string for output, escaping `"` and `\`. */
export function quote(s: string): string {
  return '"' + s.replace(/["\\]/g, (m) => '\\' + m) + '"';
}

/**
 * Splits a header value on commas that separate list elements: commas inside
 * a quoted string or between `<` and `>` do not count (RFC 3261 7.3.1).
 * Returns undefined for an unbalanced quote or bracket.
 */
export function splitList(s: string): string[] | undefined {
  // Most fields hold one value with no quotes: nothing to walk (an unclosed '<' still fails).
  if (s.indexOf(',') < 0 && s.indexOf('"') < 0) return s.lastIndexOf('<') > s.lastIndexOf('>') ? undefined : [s.trim()];
  const out: string[] = [];
  let start = 0;
  let angle = false;
  let i = 0;
  while (i < s.length) {
    const c = s.charCodeAt(i);
    if (c === 0x22 && !angle) {
      const q = readQuoted(s, i);
      if (!q) return undefined;
      i = q.end;
      continue;
    }
    if (c === 0x3c) angle = true;
    else if (c === 0x3e) angle = false;
    else if (c === 0x2c && !angle) {
      out.push(s.slice(start, i).trim());
      start = i + 1;
    }
    i++;
  }
  if (angle) return undefined;
  out.push(s.slice(start).trim());
  return out;
}

/** Known spellings, grouped by length, for sliceKnown(). */
export type KnownSpellings = ReadonlyArray<readonly string[] | undefined>;

export function knownSpellings(words: readonly string[]): KnownSpellings {
  const byLength: string[][] = [];
  for (const w of words) (byLength[w.length] ??= []).push(w);
  return byLength;
}

/**
 * s.slice(from, to), answered with a constant when the text is one of the
 * `known` spellings (compared in place): the names every message repeats
 * (Via, branch, tag …) cost no new string each time. The same text either way.
 */
export function sliceKnown(s: string, from: number, to: number, known: KnownSpellings): string {
  const candidates = known[to - from];
  if (candidates !== undefined) {
    for (const w of candidates) if (s.startsWith(w, from)) return w;
  }
  return s.slice(from, to);
}

const PARAM_NAMES = knownSpellings(['branch', 'rport', 'received', 'tag', 'transport', 'lr', 'expires', 'q', 'user', 'maddr', 'ttl', 'method', 'reg-id', 'ob', '+sip.instance']);

/**
 * Parses `*( SEMI generic-param )` beginning at s[i] (which must be ';' or the
 * end). generic-param = token [ EQUAL gen-value ], gen-value = token / host /
 * quoted-string. Quoted values keep their quotes so that serialization is
 * faithful; use paramValue() to read them. LWS around ';' and '=' is allowed.
 */
export function parseParams(s: string, i: number): Param[] | undefined {
  // Most lists hold one or two parameters: they are kept aside and the array
  // made to size at the end (an array grown by push starts with room for 17).
  let first: Param | undefined;
  let second: Param | undefined;
  let more: Param[] | undefined;
  i = skipWs(s, i);
  while (i < s.length) {
    if (s.charCodeAt(i) !== 0x3b) return undefined;
    i = skipWs(s, i + 1);
    const nameStart = i;
    while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
    if (i === nameStart) return undefined;
    const name = sliceKnown(s, nameStart, i, PARAM_NAMES);
    i = skipWs(s, i);
    let value: string | null = null;
    if (i < s.length && s.charCodeAt(i) === 0x3d) {
      i = skipWs(s, i + 1);
      const c = s.charCodeAt(i);
      if (c === 0x22) {
        const q = readQuoted(s, i);
        if (!q) return undefined;
        value = s.slice(i, q.end);
        i = q.end;
      } else if (c === 0x5b) {
        const close = s.indexOf(']', i);
        if (close < 0) return undefined;
        value = s.slice(i, close + 1);
        i = close + 1;
      } else {
        const vStart = i;
        while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
        // RFC 3261 allows host (with ':' port) too, e.g. maddr; accept ':'.
        while (i < s.length && (isTokenChar(s.charCodeAt(i)) || s.charCodeAt(i) === 0x3a)) i++;
        if (i === vStart) return undefined;
        value = s.slice(vStart, i);
      }
    }
    const param: Param = { name, value };
    if (!first) first = param;
    else if (!second) second = param;
    else if (!more) more = [first, second, param];
    else more.push(param);
    i = skipWs(s, i);
  }
  return more ?? (first && second ? [first, second] : first ? [first] : []);
}

/** Finds a parameter by case-insensitive name. */
export function findParam(params: readonly Param[], name: string): Param | undefined {
  const lower = name.toLowerCase();
  for (const p of params) {
    if (p.name.length === lower.length && (p.name === lower || p.name.toLowerCase() === lower)) return p;
  }
  return undefined;
}

/** A parameter's value with quotes removed; null for a flag, undefined when absent. */
export function paramValue(params: readonly Param[], name: string): string | null | undefined {
  const p = findParam(params, name);
  if (!p) return undefined;
  if (p.value === null) return null;
  if (p.value.startsWith('"')) return readQuoted(p.value, 0)?.text ?? p.value;
  return p.value;
}

export function formatParams(params: readonly Param[]): string {
  let out = '';
  for (const p of params) out += p.value === null ? `;${p.name}` : `;${p.name}=${p.value}`;
  return out;
}
