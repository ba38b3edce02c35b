/**
 * The address Sotto writes into what it sends (Via sent-by, Contact, SDP
 * c=/o=) when it listens on all interfaces (0.0.0.0 or ::) and the operator
 * named no advertised address.
 *
 * A socket bound to the wildcard has no one address: a phone on the second
 * network card of a multi-homed server, or on loopback, must be told an
 * address it can reach, which is the address of the interface the kernel
 * would send from towards it (RFC 3264 6: the c= line is where the answerer
 * wants media; RFC 3261 8.1.1.8: the Contact is where in-dialog requests
 * come). Writing "this machine's first address" instead sends the phone's
 * BYE and RTP to an interface it may have no route to.
 *
 * The choice follows the kernel's source-address choice in its common form:
 * a peer on loopback is answered from loopback; a peer inside an
 * interface's subnet from that interface (the longest prefix wins); anyone
 * else from the interface of the default route. Policy routing and static
 * routes are beyond it: such servers name their address
 * (SOTTO_SIP_ADVERTISE). Answers are cached per peer, so a message costs one
 * Map lookup.
 *
 * The table is read at start and again when a message needs an address and
 * the last reading is older than REREAD_MS: a DHCP renewal, a VPN coming up
 * or a card added while Sotto runs is picked up within that time, without a
 * timer to own. A reading that differs is taken only once a second one,
 * CONFIRM_MS or more later, says the same (readings are then taken every
 * CONFIRM_MS): a link flapping or a VPN restarting for a moment must not
 * send calls made in the next 30 s to loopback or the wrong card. A taken
 * reading empties the cache; one that fails (a route table that cannot be
 * read) keeps the table in hand. One table serves the whole process
 * (LocalRoutes.machine()), so Contact and SDP never name different cards.
 */

import { readFileSync } from 'node:fs';
import os from 'node:os';
import { isIPv4, isIPv6 } from 'node:net';
import { unmapIpv4 } from './address.ts';

/** Where a message to `peer` says we are: one fixed address, or one per peer. */
export type AddressToward = (peer: string) => string;

interface InterfaceAddress {
  readonly name: string;
  readonly address: string;
  readonly family: 4 | 6;
  readonly internal: boolean;
  /** The address and netmask as 16 bytes (IPv4 in its first 4). */
  readonly bytes: Uint8Array;
  readonly mask: Uint8Array;
  readonly prefix: number;
}

/** What os.networkInterfaces() returns, narrowed (tests hand in their own). */
export type InterfaceTable = Record<string, ReadonlyArray<{ address: string; netmask: string; family: string | number; internal: boolean }> | undefined>;

const CACHE_LIMIT = 4096;

/** How old a reading of the interfaces may get before a message asks for a new one. */
export const REREAD_MS = 30_000;
/** How long a changed reading must hold before it is taken. */
export const CONFIRM_MS = 2_000;

/** Interface names of the default route, per family. */
type DefaultRoutes = { readonly 4?: string | undefined; readonly 6?: string | undefined };

/** One reading: the interface table and the default routes. */
export interface RouteReading {
  readonly table: InterfaceTable;
  readonly defaults: DefaultRoutes;
}

/** This machine's interfaces and default routes, now. */
export function readMachineRoutes(): RouteReading {
  return { table: os.networkInterfaces() as InterfaceTable, defaults: { 4: defaultRouteInterface('/proc/net/route', 4), 6: defaultRouteInterface('/proc/net/ipv6_route', 6) } };
}

export interface RereadOptions {
  /** Where readings come from; default readMachineRoutes. */
  readonly source?: () => RouteReading;
  readonly everyMs?: number;
  readonly now?: () => number;
}

export class LocalRoutes {
  private readonly cache = new Map<string, string>();
  private addresses: readonly InterfaceAddress[];
  private defaults: DefaultRoutes;
  /** The reading in hand, as text, to tell whether a new one differs. */
  private fingerprint: string;
  private readAt = 0;
  /** Started without a reading: the first that succeeds is taken as it is. */
  private placeholder = false;
  /** A reading that differs from the one in hand, waiting for a second to confirm it. */
  private pending: { readonly fingerprint: string; readonly at: number } | undefined;

  private constructor(
    reading: RouteReading,
    private readonly reread: Required<RereadOptions> | undefined,
  ) {
    this.addresses = addressesOf(reading.table);
    this.defaults = reading.defaults;
    this.fingerprint = fingerprintOf(this.addresses, this.defaults);
    this.readAt = reread?.now() ?? 0;
  }

  /** This machine's interfaces and default routes, read now and again every REREAD_MS (or as `options` say). */
  static read(options: RereadOptions = {}): LocalRoutes {
    const reread = { source: options.source ?? readMachineRoutes, everyMs: options.everyMs ?? REREAD_MS, now: options.now ?? Date.now };
    let first: RouteReading | undefined;
    try {
      first = reread.source();
    } catch {
      // Nothing to keep yet: start empty and read again at the first message.
    }
    const routes = new LocalRoutes(first ?? { table: {}, defaults: {} }, reread);
    if (!first) {
      routes.readAt = Number.NEGATIVE_INFINITY;
      routes.placeholder = true;
    }
    return routes;
  }

  private static shared: LocalRoutes | undefined;

  /** The one table of this machine every part of the process asks (SIP headers and SDP alike). */
  static machine(): LocalRoutes {
    return (LocalRoutes.shared ??= LocalRoutes.read());
  }

  /** A fixed table, never read again. */
  static from(table: InterfaceTable, defaults: DefaultRoutes): LocalRoutes {
    return new LocalRoutes({ table, defaults }, undefined);
  }

  /** The local address a message to `peer` (an IP address) should name. */
  readonly toward: AddressToward = (peer) => {
    if (this.reread && this.reread.now() - this.readAt >= this.reread.everyMs) this.readAgain(this.reread);
    const hit = this.cache.get(peer);
    if (hit !== undefined) return hit;
    const chosen = this.choose(peer);
    // A bounded cache: peers are phones and trunks, a few hundred; a flood of strangers must not grow it.
    if (this.cache.size >= CACHE_LIMIT) this.cache.clear();
    this.cache.set(peer, chosen);
    return chosen;
  };

  private readAgain(reread: Required<RereadOptions>): void {
    const now = reread.now();
    this.readAt = now;
    let reading: RouteReading;
    try {
      reading = reread.source();
    } catch {
      return; // The table in hand stays: better an address that was right a moment ago than none.
    }
    const addresses = addressesOf(reading.table);
    const fingerprint = fingerprintOf(addresses, reading.defaults);
    if (fingerprint === this.fingerprint) {
      this.pending = undefined;
      return;
    }
    if (!this.placeholder && (this.pending?.fingerprint !== fingerprint || now - this.pending.at < CONFIRM_MS)) {
      // Not yet confirmed: keep the table in hand and look again in CONFIRM_MS.
      if (this.pending?.fingerprint !== fingerprint) this.pending = { fingerprint, at: now };
      this.readAt = now - reread.everyMs + Math.min(CONFIRM_MS, reread.everyMs);
      return;
    }
    this.pending = undefined;
    this.placeholder = false;
    this.addresses = addresses;
    this.defaults = reading.defaults;
    this.fingerprint = fingerprint;
    this.cache.clear();
  }

  private choose(raw: string): string {
    const peer = unmapIpv4(raw);
    const family: 4 | 6 = isIPv6(peer) ? 6 : 4;
    const bytes = ipBytes(peer);
    const own = this.addresses.filter((a) => a.family === family);
    if (bytes) {
      // Our own address (a phone on this machine) or the best subnet holding the peer.
      let best: InterfaceAddress | undefined;
      for (const a of own) {
        if (sameBytes(a.bytes, bytes)) return a.address;
        if (inSubnet(bytes, a) && (!best || a.prefix > best.prefix)) best = a;
      }
      if (best) return best.address;
      if (isLoopback(peer)) return family === 4 ? '127.0.0.1' : '::1';
    }
    const viaDefault = own.find((a) => a.name === this.defaults[family] && !a.internal);
    const external = viaDefault ?? own.find((a) => !a.internal);
    return external?.address ?? (family === 4 ? '127.0.0.1' : '::1');
  }
}

function addressesOf(table: InterfaceTable): InterfaceAddress[] {
  const addresses: InterfaceAddress[] = [];
  for (const [name, list] of Object.entries(table)) {
    for (const a of list ?? []) {
      const family = a.family === 'IPv4' || a.family === 4 ? 4 : a.family === 'IPv6' || a.family === 6 ? 6 : undefined;
      // Link-local IPv6 needs a zone id nobody writes in SIP or SDP.
      if (family === undefined || (family === 6 && a.address.toLowerCase().startsWith('fe80'))) continue;
      const bytes = ipBytes(a.address);
      const mask = ipBytes(a.netmask);
      if (!bytes || !mask) continue;
      addresses.push({ name, address: a.address, family, internal: a.internal, bytes, mask, prefix: prefixLength(mask) });
    }
  }
  return addresses;
}

function fingerprintOf(addresses: readonly InterfaceAddress[], defaults: DefaultRoutes): string {
  return `${defaults[4] ?? ''} ${defaults[6] ?? ''} ${addresses.map((a) => `${a.name}=${a.address}/${a.prefix}${a.internal ? 'i' : ''}`).join(' ')}`;
}

/**
 * The interface the default route (destination 0/0) leaves by, from Linux's
 * route tables; undefined elsewhere. With several (a backup uplink), the one
 * the kernel uses: up, and of the lowest metric.
 */
export function defaultRouteInterface(file: string, family: 4 | 6): string | undefined {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (e) {
    // No such table (not Linux, no IPv6): no default route to name. Any other failure (EMFILE) is no reading at all.
    if ((e as NodeJS.ErrnoException).code === 'ENOENT') return undefined;
    throw e;
  }
  const RTF_UP = 0x1;
  let best: { iface: string; metric: number } | undefined;
  for (const line of text.split('\n')) {
    const f = line.trim().split(/\s+/);
    let candidate: { iface: string; metric: number } | undefined;
    // route: Iface Destination Gateway Flags RefCnt Use Metric Mask …, hex but for the metric.
    if (family === 4 && f[0] !== 'Iface' && f[1] === '00000000' && f[7] === '00000000' && (parseInt(f[3] ?? '0', 16) & RTF_UP) !== 0) {
      candidate = { iface: f[0]!, metric: Number(f[6]) };
    }
    // ipv6_route: destination, prefix length, source, its length, next hop, metric, refcnt, use, flags, interface (hex).
    if (family === 6 && f.length >= 10 && /^0{32}$/.test(f[0] ?? '') && f[1] === '00' && f[9] !== 'lo' && (parseInt(f[8] ?? '0', 16) & RTF_UP) !== 0) {
      candidate = { iface: f[9]!, metric: parseInt(f[5] ?? 'ffffffff', 16) };
    }
    if (candidate && Number.isFinite(candidate.metric) && (!best || candidate.metric < best.metric)) best = candidate;
  }
  return best?.iface;
}

function isLoopback(address: string): boolean {
  return isIPv4(address) ? address.startsWith('127.') : address === '::1';
}

function ipBytes(address: string): Uint8Array | undefined {
  if (isIPv4(address)) {
    const out = new Uint8Array(16);
    address.split('.').forEach((p, i) => (out[i] = Number(p)));
    return out;
  }
  if (!isIPv6(address)) return undefined;
  const [head = '', tail] = address.split('::');
  const parts = (s: string | undefined): string[] => (s ? s.split(':') : []);
  let groups = parts(head);
  if (tail !== undefined) {
    const back = parts(tail);
    groups = [...groups, ...new Array<string>(8 - groups.length - back.length).fill('0'), ...back];
  }
  // An embedded IPv4 tail (::ffff:192.0.2.1) counts as two groups.
  const last = groups[groups.length - 1] ?? '';
  if (isIPv4(last)) {
    const v4 = last.split('.').map(Number);
    groups = [...groups.slice(0, -1), (((v4[0] ?? 0) << 8) | (v4[1] ?? 0)).toString(16), (((v4[2] ?? 0) << 8) | (v4[3] ?? 0)).toString(16)];
  }
  if (groups.length !== 8) return undefined;
  const out = new Uint8Array(16);
  groups.forEach((g, i) => {
    const n = parseInt(g, 16);
    out[i * 2] = n >> 8;
    out[i * 2 + 1] = n & 0xff;
  });
  return out;
}

function prefixLength(mask: Uint8Array): number {
  let bits = 0;
  for (const b of mask) for (let i = 7; i >= 0; i--) if ((b >> i) & 1) bits++;
  return bits;
}

function inSubnet(peer: Uint8Array, a: InterfaceAddress): boolean {
  for (let i = 0; i < 16; i++) if (((peer[i] ?? 0) & (a.mask[i] ?? 0)) !== ((a.bytes[i] ?? 0) & (a.mask[i] ?? 0))) return false;
  return true;
}

function sameBytes(x: Uint8Array, y: Uint8Array): boolean {
  for (let i = 0; i < 16; i++) if (x[i] !== y[i]) return false;
  return true;
}
