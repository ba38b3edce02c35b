/**
 * Hosts as SIP writes them (RFC 3261 25.1 host, RFC 5118 IPv6 references):
 * classification, validation and the normal form used for comparison.
 */

export type HostKind = 'domain' | 'ipv4' | 'ipv6';

export interface ParsedHost {
  /** Domain as written, IPv4 dotted quad, or IPv6 address without brackets. */
  readonly host: string;
  readonly kind: HostKind;
}

function isAlnum(c: number): boolean {
  return (c >= 0x30 && c <= 0x39) || (c >= 0x41 && c <= 0x5a) || (c >= 0x61 && c <= 0x7a);
}

/** RFC 3261 25.1 IPv4address = 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT "." 1*3DIGIT, each 0..255. */
export function isIpv4(s: string): boolean {
  let dots = 0;
  let digits = 0;
  let value = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x2e) {
      if (digits === 0 || ++dots > 3) return false;
      digits = 0;
      value = 0;
    } else if (c >= 0x30 && c <= 0x39) {
      value = value * 10 + (c - 0x30);
      if (++digits > 3 || value > 255) return false;
    } else {
      return false;
    }
  }
  return dots === 3 && digits > 0;
}

/**
 * Expands an IPv6 address (RFC 4291 2.2 text forms, including a trailing
 * dotted IPv4 part) to its eight 16-bit groups; undefined when malformed.
 * RFC 5118 4.10: `2001:db8:::192.0.2.1` (three colons) is not an address.
 */
export function ipv6Groups(s: string): number[] | undefined {
  if (s.length < 2 || s.length > 45) return undefined;
  const lastColon = s.lastIndexOf(':');
  if (lastColon < 0) return undefined;
  let text = s;
  const tail: number[] = [];
  const last = s.slice(lastColon + 1);
  if (last.includes('.')) {
    if (!isIpv4(last)) return undefined;
    const b = last.split('.').map(Number) as [number, number, number, number];
    tail.push((b[0] << 8) | b[1], (b[2] << 8) | b[3]);
    text = s.slice(0, lastColon + 1);
    if (!text.endsWith('::')) text = text.slice(0, -1);
  }
  const need = 8 - tail.length;
  const gap = text.indexOf('::');
  if (gap >= 0) {
    if (text.indexOf('::', gap + 1) >= 0) return undefined;
    const head = hexGroups(text.slice(0, gap));
    const back = hexGroups(text.slice(gap + 2));
    if (!head || !back) return undefined;
    const fill = need - head.length - back.length;
    if (fill < 1) return undefined;
    return [...head, ...new Array<number>(fill).fill(0), ...back, ...tail];
  }
  const all = hexGroups(text);
  if (!all || all.length !== need) return undefined;
  return [...all, ...tail];
}

function hexGroups(part: string): number[] | undefined {
  if (part === '') return [];
  const out: number[] = [];
  for (const g of part.split(':')) {
    if (g.length === 0 || g.length > 4 || !/^[0-9a-fA-F]+$/.test(g)) return undefined;
    out.push(parseInt(g, 16));
  }
  return out;
}

export function isIpv6(s: string): boolean {
  return ipv6Groups(s) !== undefined;
}

/** RFC 3261 25.1 hostname = *( domainlabel "." ) toplabel [ "." ]. */
export function isHostname(s: string): boolean {
  if (s.length === 0 || s.length > 255) return false;
  const end = s.charCodeAt(s.length - 1) === 0x2e ? s.length - 1 : s.length;
  let labelStart = 0;
  for (let i = 0; i <= end; i++) {
    if (i === end || s.charCodeAt(i) === 0x2e) {
      const len = i - labelStart;
      if (len === 0 || len > 63) return false;
      if (!isAlnum(s.charCodeAt(labelStart)) || !isAlnum(s.charCodeAt(i - 1))) return false;
      labelStart = i + 1;
      continue;
    }
    const c = s.charCodeAt(i);
    // '_' is not in RFC 3261's grammar but appears in real SRV-style names.
    if (!isAlnum(c) && c !== 0x2d && c !== 0x5f) return false;
  }
  return true;
}

/**
 * Classifies host text as written in a URI or Via: `[v6]` must carry its
 * brackets there (RFC 5118 4.2), a bare IPv6 address is refused.
 */
export function parseHost(text: string): ParsedHost | undefined {
  if (text.startsWith('[')) {
    if (!text.endsWith(']')) return undefined;
    const inner = text.slice(1, -1);
    return isIpv6(inner) ? { host: inner, kind: 'ipv6' } : undefined;
  }
  if (isIpv4(text)) return { host: text, kind: 'ipv4' };
  if (isHostname(text)) return { host: text, kind: 'domain' };
  return undefined;
}

/** Host as written on the wire: IPv6 in brackets. */
export function formatHost(host: string, kind: HostKind): string {
  return kind === 'ipv6' ? `[${host}]` : host;
}

/** Normal form for comparison: lower-case names, canonical IPv6 groups (RFC 5118 4.3 note). */
export function normalizeHost(host: string, kind: HostKind): string {
  if (kind === 'ipv6') {
    const g = ipv6Groups(host);
    return g ? g.map((n) => n.toString(16)).join(':') : host.toLowerCase();
  }
  return host.toLowerCase();
}
