/**
 * RFC 3261 20.42 Via, with RFC 3581 rport and RFC 5118 4.5 IPv6 `received`.
 *
 *   via-parm = sent-protocol LWS sent-by *( SEMI via-params )
 *   sent-protocol = protocol-name SLASH protocol-version SLASH transport
 *   sent-by = host [ COLON port ]
 *
 * LWS is allowed around each SLASH and COLON (RFC 4475 3.1.1.1 wsinv).
 */

import { formatHost, isIpv4, isIpv6, parseHost } from '../host.ts';
import type { Param, Via } from '../types.ts';
import { formatParams, isTokenChar, paramValue, parseBoundedInt, parseParams, skipWs } from './lexer.ts';

/** The end of the token starting at s[i] (i itself when there is none). */
function tokenEnd(s: string, i: number): number {
  while (i < s.length && isTokenChar(s.charCodeAt(i))) i++;
  return i;
}

/** Parses one via-parm; undefined when malformed. */
export function parseVia(s: string): Via | undefined {
  let i = skipWs(s, 0);
  const nameStart = i;
  const a = tokenEnd(s, i);
  i = skipWs(s, a);
  if (a === nameStart || s.charCodeAt(i) !== 0x2f) return undefined;
  const versionStart = skipWs(s, i + 1);
  const b = tokenEnd(s, versionStart);
  i = skipWs(s, b);
  if (b === versionStart || s.charCodeAt(i) !== 0x2f) return undefined;
  const transportStart = skipWs(s, i + 1);
  const c = tokenEnd(s, transportStart);
  if (c === transportStart || c >= s.length || (s.charCodeAt(c) !== 0x20 && s.charCodeAt(c) !== 0x09)) return undefined;
  i = skipWs(s, c);
  const hostStart = i;
  if (s.charCodeAt(i) === 0x5b) {
    const close = s.indexOf(']', i);
    if (close < 0) return undefined;
    i = close + 1;
  } else {
    for (; i < s.length; i++) {
      const ch = s.charCodeAt(i);
      if (ch === 0x3a || ch === 0x3b || ch === 0x20 || ch === 0x09) break;
    }
  }
  const host = parseHost(s.slice(hostStart, i));
  if (!host) return undefined;
  i = skipWs(s, i);
  let port: number | undefined;
  if (s.charCodeAt(i) === 0x3a) {
    i = skipWs(s, i + 1);
    const pStart = i;
    while (i < s.length && s.charCodeAt(i) >= 0x30 && s.charCodeAt(i) <= 0x39) i++;
    port = parseBoundedInt(s.slice(pStart, i), 65535);
    if (port === undefined) return undefined;
  }
  const params = parseParams(s, i);
  if (!params) return undefined;
  // The usual spelling, SIP/2.0, is not built anew for every Via.
  const protocol = b - nameStart === 7 && s.startsWith('SIP/2.0', nameStart) ? 'SIP/2.0' : `${s.slice(nameStart, a)}/${s.slice(versionStart, b)}`;
  return buildVia(protocol, transportOf(s.slice(transportStart, c)), host.host, host.kind, port, params);
}

function transportOf(t: string): string {
  return t === 'UDP' || t === 'TCP' || t === 'TLS' ? t : t.toUpperCase();
}

function buildVia(
  protocol: string,
  transport: string,
  host: string,
  hostKind: Via['hostKind'],
  port: number | undefined,
  params: readonly Param[],
): Via | undefined {
  const branch = paramValue(params, 'branch');
  let received = paramValue(params, 'received');
  if (received !== undefined && received !== null) {
    // RFC 5118 4.5: accept received with or without the IPv6 brackets.
    if (received.startsWith('[') && received.endsWith(']')) received = received.slice(1, -1);
    if (!isIpv4(received) && !isIpv6(received)) return undefined;
  }
  const rportRaw = paramValue(params, 'rport');
  let rport: number | true | undefined;
  if (rportRaw === null) rport = true;
  else if (rportRaw !== undefined) {
    rport = parseBoundedInt(rportRaw, 65535);
    if (rport === undefined) return undefined;
  }
  const maddr = paramValue(params, 'maddr');
  const ttlRaw = paramValue(params, 'ttl');
  const ttl = typeof ttlRaw === 'string' ? parseBoundedInt(ttlRaw, 255) : undefined;
  return {
    protocol,
    transport,
    host,
    hostKind,
    port,
    params,
    branch: typeof branch === 'string' ? branch : undefined,
    received: typeof received === 'string' ? received : undefined,
    rport,
    maddr: typeof maddr === 'string' ? maddr : undefined,
    ttl,
  };
}

/** Writes a via-parm; parameters are written as held in `params`. */
export function formatVia(via: Via): string {
  const port = via.port !== undefined ? `:${via.port}` : '';
  return `${via.protocol}/${via.transport} ${formatHost(via.host, via.hostKind)}${port}${formatParams(via.params)}`;
}

/** RFC 3261 8.1.1.7: branches that begin with the magic cookie are RFC 3261 branches. */
export const BRANCH_MAGIC_COOKIE = 'z9hG4bK';

/**
 * A Via for a request Sotto sends. `rport` asks the peer to answer to the
 * source port (RFC 3581), which NATed phones need.
 */
export function createVia(opts: {
  transport: string;
  host: string;
  port?: number;
  branch: string;
  rport?: boolean;
}): Via {
  const parsed = parseHost(opts.host) ?? (isIpv6(opts.host) ? { host: opts.host, kind: 'ipv6' as const } : undefined);
  const params: Param[] = [{ name: 'branch', value: opts.branch }];
  if (opts.rport) params.push({ name: 'rport', value: null });
  return {
    protocol: 'SIP/2.0',
    transport: opts.transport.toUpperCase(),
    host: parsed?.host ?? opts.host,
    hostKind: parsed?.kind ?? 'domain',
    ...(opts.port !== undefined ? { port: opts.port } : {}),
    params,
    branch: opts.branch,
    ...(opts.rport ? { rport: true as const } : {}),
  };
}

/**
 * Returns the Via with `received` (and `rport` when the request asked for
 * it) set to the packet's source, per RFC 3261 18.2.1 and RFC 3581 4.
 */
export function withReceived(via: Via, sourceAddress: string, sourcePort: number): Via {
  const needReceived = via.hostKind === 'domain' || via.host !== sourceAddress || via.rport !== undefined;
  const params: Param[] = [];
  for (const p of via.params) {
    const n = p.name.toLowerCase();
    if (n === 'received') continue;
    if (n === 'rport') {
      params.push(via.rport !== undefined ? { name: 'rport', value: String(sourcePort) } : p);
      continue;
    }
    params.push(p);
  }
  if (needReceived) params.push({ name: 'received', value: sourceAddress });
  // Built field by field, not with rest/spread: this runs for every request
  // received, and object spread was most of its cost.
  return {
    protocol: via.protocol,
    transport: via.transport,
    host: via.host,
    hostKind: via.hostKind,
    port: via.port,
    params,
    branch: via.branch,
    received: needReceived ? sourceAddress : undefined,
    rport: via.rport !== undefined ? sourcePort : undefined,
    maddr: via.maddr,
    ttl: via.ttl,
  };
}
