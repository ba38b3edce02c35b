/**
 * Canonical JSON for hashing audit events: the subset of RFC 8785 (JSON
 * Canonicalization Scheme) that audit events use. Object members sorted by
 * UTF-16 code units, no insignificant whitespace, strings escaped as
 * ECMAScript JSON.stringify does (which RFC 8785 section 3.2.2.2 adopts).
 * Numbers are limited to safe integers so every language prints them the
 * same way; there are no floats in audit events.
 *
 * An auditor can recompute hashes with any RFC 8785 implementation.
 */
export type CanonicalValue = null | boolean | number | string | CanonicalValue[] | { [key: string]: CanonicalValue };

export function canonicalJson(value: unknown): string {
  if (value === null) return 'null';
  switch (typeof value) {
    case 'boolean':
      return value ? 'true' : 'false';
    case 'number':
      if (!Number.isSafeInteger(value)) throw new Error('canonical JSON allows safe integers only');
      return Object.is(value, -0) ? '0' : String(value);
    case 'string':
      return JSON.stringify(value);
    case 'object': {
      if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) throw new Error('canonical JSON allows plain objects only');
      const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
      entries.sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
      return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
    }
    default:
      throw new Error(`canonical JSON cannot encode ${typeof value}`);
  }
}
