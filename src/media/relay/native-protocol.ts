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
//   S <seq> <call>                stats       R <seq> OK <legstats>...
//       legstats = port,latched,received,sent,refused,malformed,unexpectedPt,
//                  rtcpReceived,rtcpSent,recvBuffer,peerIp,peerPort
//                                             I <call> <idleMs>   (inactivity event)
//                                             READY 1             (once, at start)
//
// One B per offer and one C per answer, whatever the number of legs. Calls
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
  | { readonly op: 'stats'; readonly call: number };

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
    case 'stats':
      return `S ${seq} ${request.call}\n`;
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
  const bad = () => err('RELAY_NATIVE_BAD_LINE', 'unreadable line from the native relay');
  if (t[0] === 'READY') return ok({ kind: 'ready' });
  if (t[0] === 'I') {
    const call = uint(t[1]);
    const idleMs = uint(t[2]);
    return call === undefined || idleMs === undefined || t.length !== 3 ? bad() : ok({ kind: 'inactive', call, idleMs });
  }
  if (t[0] !== 'R') return bad();
  const seq = uint(t[1]);
  if (seq === undefined) return bad();
  if (t[2] === 'ERR') {
    const code = t[3];
    if (!code || !/^[A-Z_]+$/.test(code)) return bad();
    const port = uint(t[4]);
    const reason = t[5];
    return ok({ kind: 'error', seq, code, ...(port !== undefined ? { port } : {}), ...(reason !== undefined ? { reason } : {}) });
  }
  if (t[2] !== 'OK') return bad();
  const legs: NativeLegStats[] = [];
  for (const spec of t.slice(3)) {
    const leg = parseLegStats(spec);
    if (!leg) return bad();
    legs.push(leg);
  }
  return ok({ kind: 'ok', seq, legs });
}

function parseLegStats(spec: string): NativeLegStats | undefined {
  const f = spec.split(',');
  if (f.length !== 12) return undefined;
  const n = f.slice(0, 10).map(uint);
  if (n.some((x) => x === undefined)) return undefined;
  const [port, latched, packetsReceived, packetsSent, packetsRefused, packetsMalformed, unexpectedPayloadType, rtcpReceived, rtcpSent, recvBufferSize] = n as number[];
  const peerPort = uint(f[11]);
  if (peerPort === undefined) return undefined;
  const peer = f[10] !== '-' && isIP(f[10]!) !== 0 ? { address: f[10]!, port: peerPort } : undefined;
  return {
    port: port!,
    latched: latched === 1,
    packetsReceived: packetsReceived!,
    packetsSent: packetsSent!,
    packetsRefused: packetsRefused!,
    packetsMalformed: packetsMalformed!,
    unexpectedPayloadType: unexpectedPayloadType!,
    rtcpReceived: rtcpReceived!,
    rtcpSent: rtcpSent!,
    recvBufferSize: recvBufferSize!,
    ...(peer ? { peer } : {}),
  };
}

function uint(s: string | undefined): number | undefined {
  if (s === undefined || !/^\d{1,15}$/.test(s)) return undefined;
  return Number(s);
}
