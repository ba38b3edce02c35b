/**
 * Header field names: case-insensitive (RFC 3261 7.3.1) and with compact
 * forms (RFC 3261 7.3.3 and the extensions that registered one). Lookups go
 * through headerKey(), the lower-case long form.
 */

const COMPACT: Readonly<Record<string, string>> = {
  a: 'accept-contact', // RFC 3841
  b: 'referred-by', // RFC 3892
  c: 'content-type',
  d: 'request-disposition', // RFC 3841
  e: 'content-encoding',
  f: 'from',
  i: 'call-id',
  j: 'reject-contact', // RFC 3841
  k: 'supported',
  l: 'content-length',
  m: 'contact',
  n: 'identity-info', // RFC 4474
  o: 'event', // RFC 6665
  r: 'refer-to', // RFC 3515
  s: 'subject',
  t: 'to',
  u: 'allow-events', // RFC 6665
  v: 'via',
  x: 'session-expires', // RFC 4028
  y: 'identity', // RFC 8224
};

const cache = new Map<string, string>();
const CACHE_LIMIT = 512;

/**
 * The spellings nearly every message uses, answered by length and one
 * comparison: cheaper than hashing a freshly sliced name for the cache.
 */
function usualKey(name: string): string | undefined {
  switch (name.length) {
    case 2:
      return name === 'To' ? 'to' : undefined;
    case 3:
      return name === 'Via' ? 'via' : undefined;
    case 4:
      return name === 'From' ? 'from' : name === 'CSeq' ? 'cseq' : undefined;
    case 5:
      return name === 'Allow' ? 'allow' : name === 'Route' ? 'route' : undefined;
    case 7:
      return name === 'Call-ID' ? 'call-id' : name === 'Contact' ? 'contact' : name === 'Expires' ? 'expires' : undefined;
    case 9:
      return name === 'Supported' ? 'supported' : undefined;
    case 10:
      return name === 'User-Agent' ? 'user-agent' : undefined;
    case 12:
      return name === 'Max-Forwards' ? 'max-forwards' : name === 'Content-Type' ? 'content-type' : undefined;
    case 13:
      return name === 'Authorization' ? 'authorization' : undefined;
    case 14:
      return name === 'Content-Length' ? 'content-length' : undefined;
    case 16:
      return name === 'WWW-Authenticate' ? 'www-authenticate' : undefined;
    default:
      return undefined;
  }
}

/** The lower-case long form of a header name: `v`, `VIA`, `Via` -> `via`. */
export function headerKey(name: string): string {
  const usual = usualKey(name);
  if (usual !== undefined) return usual;
  const hit = cache.get(name);
  if (hit !== undefined) return hit;
  const lower = name.toLowerCase();
  const key = lower.length === 1 ? (COMPACT[lower] ?? lower) : lower;
  // Peers choose header names; cap the cache so they cannot grow it forever.
  if (cache.size < CACHE_LIMIT) cache.set(name, key);
  return key;
}

/** Conventional spelling for headers Sotto writes itself. */
const CANONICAL: Readonly<Record<string, string>> = {
  'call-id': 'Call-ID',
  cseq: 'CSeq',
  'www-authenticate': 'WWW-Authenticate',
  'mime-version': 'MIME-Version',
  'rack': 'RAck',
  'rseq': 'RSeq',
};

export function canonicalHeaderName(name: string): string {
  const key = headerKey(name);
  return CANONICAL[key] ?? key.replace(/(^|-)([a-z])/g, (_m, dash: string, c: string) => dash + c.toUpperCase());
}
