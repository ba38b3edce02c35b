// The control protocol between MediaRelay and the native data plane
// (native/relay/, the program sotto-relay), over the child's stdin/stdout.
// One ASCII line per message, space-separated tokens; control.c holds the
// C side and the same table:
//
//   request                                   reply / event
//   P <seq>                       ping        R <seq> OK
//   B <seq> <call> <port>...      bind pairs  R <seq> OK | R <seq> ERR RELAY_BIND_FAILED <port> <errno>
//   C <seq> <call> <leg> [<leg>]  configure   R <seq> OK | R <seq> ERR <code>
//       leg = port,ip,rtpPort,rtcpPort,pt,eventPt,dir,latch
//   D <seq> <call>                delete      R <seq> OK <legstats>...  (its last stats, then its sockets closed)
//   E <seq> <call>                end         R <seq> OK                (forgotten, its port pairs parked for the next call)
//   U <seq> <port>...             unpark      R <seq> OK                (parked sockets on these ports closed)
//   S <seq> <call>                stats       R <seq> OK <legstats>...
//   Q <seq>                       plane       R <seq> PLANE <openPairs> <parkedPairs> <parkedDropped> <pairCap>
//   T <seq> <ms>                  clock       R <seq> OK                (held clock only: moved on by ms, inactivity
//                                                                        checked; its I events come before the reply)
//       legstats = port,latched,received,sent,refused,malformed,unexpectedPt,
//                  rtcpReceived,rtcpSent,recvBuffer,peerIp,peerPort
//                                             I <call> <idleMs>   (inactivity event)
//                                             READY 1             (once, at start)
//
// One B per offer and one C per answer, whatever the number of legs; E when
// the call ends, D when it moves to a worker (which binds its ports next), U
// before a worker binds ports the child may hold parked. Calls
// are numbers (MediaRelay maps them to call ids), legs their even RTP port,
// so no SIP identifier crosses the pipe. Lines from the child are parsed
// into results, never thrown on.

import { isIP } from 'node:net';
import type { LatchPolicy } from '../rtp/peer-latch.ts';
import { err, ok, type MediaError, type Result } from '../result.ts';

/** What the native plane needs of one negotiated leg. */
export interface NativeLegConfig {
  /** The leg's even RTP port on the relay. */
  readonly port: number;
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteRtcpPort: number;
  readonly payloadType: number;
  readonly telephoneEventPayloadType?: number;
  /** SDP lets the phone send to the relay. */
  readonly receivesFrom: boolean;
  /** SDP lets the relay send to the phone. */
  readonly sendsTo: boolean;
  readonly latch: LatchPolicy;
}

export type NativeRequest =
  | { readonly op: 'ping' }
  | { readonly op: 'bind'; readonly call: number; readonly ports: readonly number[] }
  | { readonly op: 'configure'; readonly call: number; readonly legs: readonly NativeLegConfig[] }
  | { readonly op: 'delete'; readonly call: number }
  | { readonly op: 'end'; readonly call: number }
  | { readonly op: 'unpark'; readonly ports: readonly number[] }
  | { readonly op: 'stats'; readonly call: number }
  | { readonly op: 'plane' }
  /** A child started with a held clock (tests): its clock moves on by `advanceMs`, then the inactivity check runs. */
  | { readonly op: 'clock'; readonly advanceMs: number };

/** The child's port pairs (native/relay/port-pair.c): open ones, parked ones, what parked ones dropped. */
export interface NativePlaneStats {
  /** Even/odd port pairs with open sockets (a call's, or parked). */
  readonly openPairs: number;
  readonly parkedPairs: number;
  /** Datagrams that arrived on parked sockets, read and dropped (never forwarded). */
  readonly parkedDropped: number;
  /** Pairs kept open at most (from RLIMIT_NOFILE); beyond it, pairs close when their call ends. */
  readonly pairCap: number;
}

export interface NativeLegStats {
  readonly port: number;
  readonly latched: boolean;
  readonly packetsReceived: number;
  readonly packetsSent: number;
  readonly packetsRefused: number;
  readonly packetsMalformed: number;
  readonly unexpectedPayloadType: number;
  readonly rtcpReceived: number;
  readonly rtcpSent: number;
  readonly recvBufferSize: number;
  /** The latched phone's address (never logged; used to move a call to the JS worker without reopening its latch). */
  readonly peer?: { readonly address: string; readonly port: number };
}

export type NativeMessage =
  | { readonly kind: 'ready' }
  | { readonly kind: 'ok'; readonly seq: number; readonly legs: readonly NativeLegStats[] }
  | { readonly kind: 'error'; readonly seq: number; readonly code: string; readonly port?: number; readonly reason?: string }
  | { readonly kind: 'plane'; readonly seq: number; readonly stats: NativePlaneStats }
  | { readonly kind: 'inactive'; readonly call: number; readonly idleMs: number };

export type NativeProtocolError = MediaError<'RELAY_NATIVE_BAD_LINE'>;

const LATCH_CODES: Record<LatchPolicy, string> = { 'negotiated-only': 'n', 'latch-once': 'o', 'latch-once-same-ip': 'i' };

/** One request line, newline included. Our own values: a bad one is a bug and throws. */
export function encodeNativeRequest(seq: number, request: NativeRequest): string {
  switch (request.op) {
    case 'ping':
      return `P ${seq}\n`;
    case 'bind':
      if (request.ports.length < 1 || request.ports.length > 8) throw new RangeError('bind takes 1 to 8 ports');
      return `B ${seq} ${request.call} ${request.ports.map(evenPort).join(' ')}\n`;
    case 'configure':
      if (request.legs.length < 1 || request.legs.length > 2) throw new RangeError('configure takes 1 or 2 legs');
      return `C ${seq} ${request.call} ${request.legs.map(encodeLeg).join(' ')}\n`;
    case 'delete':
      return `D ${seq} ${request.call}\n`;
    case 'end':
      return `E ${seq} ${request.call}\n`;
    case 'unpark':
      if (request.ports.length < 1 || request.ports.length > 10) throw new RangeError('unpark takes 1 to 10 ports');
      return `U ${seq} ${request.ports.map(evenPort).join(' ')}\n`;
    case 'stats':
      return `S ${seq} ${request.call}\n`;
    case 'plane':
      return `Q ${seq}\n`;
    case 'clock':
      if (!Number.isInteger(request.advanceMs) || request.advanceMs < 0 || request.advanceMs > 0x7fffffff) throw new RangeError('the clock moves on by 0 to 2^31-1 ms');
      return `T ${seq} ${request.advanceMs}\n`;
  }
}

function evenPort(port: number): string {
  if (!Number.isInteger(port) || port < 1 || port > 65534 || port % 2 !== 0) throw new RangeError('not an even port');
  return String(port);
}

function encodeLeg(leg: NativeLegConfig): string {
  if (isIP(leg.remoteAddress) === 0) throw new RangeError('native legs take IP literals only');
  const dir = (leg.receivesFrom ? 1 : 0) | (leg.sendsTo ? 2 : 0);
  return [
    evenPort(leg.port),
    leg.remoteAddress,
    leg.remotePort,
    leg.remoteRtcpPort,
    leg.payloadType,
    leg.telephoneEventPayloadType ?? -1,
    dir,
    LATCH_CODES[leg.latch],
  ].join(',');
}

/** Reads one line from the child (without its newline). */
export function parseNativeLine(line: string): Result<NativeMessage, NativeProtocolError> {
  const t = line.split(' ');
  if (t[0] === 'READY') return ok({ kind: 'ready' });
  if (t[0] === 'I') {
    const call = uint(t[1]);
    const idleMs = uint(t[2]);
    return call === undefined || idleMs === undefined || t.length !== 3 ? badLine() : ok({ kind: 'inactive', call, idleMs });
  }
  if (t[0] !== 'R') return badLine();
  const seq = uint(t[1]);
  if (seq === undefined) return badLine();
  if (t[2] === 'ERR') {
    const code = t[3];
    if (!code || !/^[A-Z_]+$/.test(code)) return badLine();
    const port = uint(t[4]);
    const reason = t[5];
    return ok({ kind: 'error', seq, code, ...(port !== undefined ? { port } : {}), ...(reason !== undefined ? { reason } : {}) });
  }
  if (t[2] === 'PLANE') {
    const n = t.slice(3).map(uint);
    if (n.length !== 4 || n.some((v) => v === undefined)) return badLine();
    return ok({ kind: 'plane', seq, stats: { openPairs: n[0]!, parkedPairs: n[1]!, parkedDropped: n[2]!, pairCap: n[3]! } });
  }
  if (t[2] !== 'OK') return badLine();
  const legs: NativeLegStats[] = [];
  for (let i = 3; i < t.length; i++) {
    const leg = parseLegStats(t[i]!);
    if (!leg) return badLine();
    legs.push(leg);
  }
  return ok({ kind: 'ok', seq, legs });
}

function badLine(): Result<never, NativeProtocolError> {
  return err('RELAY_NATIVE_BAD_LINE', 'unreadable line from the native relay');
}

/** Ten counters, then the latched peer's address and port (`-,0` before a latch). */
function parseLegStats(spec: string): NativeLegStats | undefined {
  const f = spec.split(',');
  if (f.length !== 12) return undefined;
  const n: number[] = [];
  for (let i = 0; i < 10; i++) {
    const v = uint(f[i]);
    if (v === undefined) return undefined;
    n.push(v);
  }
  const peerPort = uint(f[11]);
  if (peerPort === undefined) return undefined;
  const peer = f[10] !== '-' && isIP(f[10]!) !== 0 ? { address: f[10]!, port: peerPort } : undefined;
  return {
    port: n[0]!,
    latched: n[1] === 1,
    packetsReceived: n[2]!,
    packetsSent: n[3]!,
    packetsRefused: n[4]!,
    packetsMalformed: n[5]!,
    unexpectedPayloadType: n[6]!,
    rtcpReceived: n[7]!,
    rtcpSent: n[8]!,
    recvBufferSize: n[9]!,
    ...(peer ? { peer } : {}),
  };
}

/** 1 to 15 decimal digits (what the program prints), else undefined. */
function uint(s: string | undefined): number | undefined {
  if (s === undefined || s.length < 1 || s.length > 15) return undefined;
  let v = 0;
  for (let i = 0; i < s.length; i++) {
    const d = s.charCodeAt(i) - 48;
    if (d < 0 || d > 9) return undefined;
    v = v * 10 + d;
  }
  return v;
}
