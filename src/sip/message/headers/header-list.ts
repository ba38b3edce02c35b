/**
 * Reading and editing the ordered header list. Messages are immutable, so
 * every edit returns a new list; untouched fields keep their identity, which
 * lets the typed accessors cache what they parsed per field.
 */

import type { HeaderField } from '../types.ts';
import { keyOf, MemoHeaderField } from './header-field.ts';
import { splitList } from './lexer.ts';
import { canonicalHeaderName, headerKey } from './names.ts';

export function headerField(name: string, value: string): HeaderField {
  return new MemoHeaderField(name, value);
}

/** All fields with this name (any spelling or compact form), in order. */
export function getHeaderFields(headers: readonly HeaderField[], name: string): HeaderField[] {
  const key = headerKey(name);
  const out: HeaderField[] = [];
  for (const h of headers) if (keyOf(h) === key) out.push(h);
  return out;
}

/** The first field's value, or undefined. */
export function getHeader(headers: readonly HeaderField[], name: string): string | undefined {
  const key = headerKey(name);
  for (const h of headers) if (keyOf(h) === key) return h.value;
  return undefined;
}

export function hasHeader(headers: readonly HeaderField[], name: string): boolean {
  return getHeader(headers, name) !== undefined;
}

/**
 * Every comma-separated element of every field with this name (RFC 3261
 * 7.3.1: `Via: a, b` is the same as two Via lines). Only meaningful for
 * headers whose grammar is a list; undefined when a quote is unbalanced.
 */
export function getHeaderList(headers: readonly HeaderField[], name: string): string[] | undefined {
  const out: string[] = [];
  for (const h of getHeaderFields(headers, name)) {
    const parts = splitList(h.value);
    if (!parts) return undefined;
    for (const p of parts) out.push(p);
  }
  return out;
}

/** Appends a field at the end. */
export function appendHeader(headers: readonly HeaderField[], name: string, value: string): HeaderField[] {
  return [...headers, headerField(canonicalHeaderName(name), value)];
}

/**
 * Inserts a field before the first field of the same name, or at the end
 * when there is none (a new top Via, RFC 3261 8.1.1.7 / 16.6 step 8).
 */
export function prependHeader(headers: readonly HeaderField[], name: string, value: string): HeaderField[] {
  const key = headerKey(name);
  const at = headers.findIndex((h) => keyOf(h) === key);
  const field = headerField(canonicalHeaderName(name), value);
  if (at < 0) return [...headers, field];
  return [...headers.slice(0, at), field, ...headers.slice(at)];
}

/** Removes every field with this name. */
export function removeHeader(headers: readonly HeaderField[], name: string): HeaderField[] {
  const key = headerKey(name);
  return headers.filter((h) => keyOf(h) !== key);
}

/** Replaces all fields of this name by one, at the place of the first (or at the end). */
export function setHeader(headers: readonly HeaderField[], name: string, value: string): HeaderField[] {
  const key = headerKey(name);
  const field = headerField(canonicalHeaderName(name), value);
  const out: HeaderField[] = [];
  let placed = false;
  for (const h of headers) {
    if (keyOf(h) !== key) out.push(h);
    else if (!placed) {
      out.push(field);
      placed = true;
    }
  }
  if (!placed) out.push(field);
  return out;
}

/** Removes the first field of this name, or the first element of its list (top Via, 16.7 / 18.1.2). */
export function removeFirstListElement(headers: readonly HeaderField[], name: string): HeaderField[] {
  const key = headerKey(name);
  const at = headers.findIndex((h) => keyOf(h) === key);
  if (at < 0) return [...headers];
  const field = headers[at] as HeaderField;
  const parts = splitList(field.value);
  if (!parts || parts.length <= 1) return [...headers.slice(0, at), ...headers.slice(at + 1)];
  return [...headers.slice(0, at), headerField(field.name, parts.slice(1).join(', ')), ...headers.slice(at + 1)];
}
