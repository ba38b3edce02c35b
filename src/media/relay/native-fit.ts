// Which calls the native data plane (native/relay) carries, how their legs
// look to it, and the latches a call keeps when it moves to the JS workers.
//
// The native plane relays byte-exact: plain RTP/AVP, G.711 both ways with
// the same payload types, no SRTP, no rtcp-mux, IP-literal addresses of the
// relay's own family. Anything else goes to (or moves to) the workers.

import { isIP } from 'node:net';
import type { MediaAddress } from '../rtp/peer-latch.ts';
import { directionFlags, rtpMaps } from '../sdp/media-format.ts';
import type { SessionDescription } from '../sdp/session-description.ts';
import type { CallStats, LegMediaConfig, LegStats } from './control-messages.ts';
import type { NativeLegConfig, NativeLegStats } from './native-protocol.ts';
import type { OfferOptions } from './sdp-bridge.ts';

/** The offer can be carried byte-exact by the native plane: plain RTP/AVP, G.711, nothing to transcode or rewrite. */
export function fitsNativeOffer(offer: SessionDescription, options: OfferOptions, bindAddress: string): boolean {
  if (options.dataPlane === 'js' || options.srtp === 'sdes') return false;
  const audio = offer.media.find((m) => m.type === 'audio' && m.port !== 0);
  if (!audio || audio.protocol !== 'RTP/AVP' || audio.attributes.some((a) => a.name === 'crypto' || a.name === 'rtcp-mux')) return false;
  const maps = rtpMaps(audio);
  const offered = new Set(maps.map((m) => m.encoding.toUpperCase()));
  // `transcode` offers the other law after the offerer's: the answer decides whether the legs differ (fitsNativeLegs).
  if (options.codecs?.some((c) => !offered.has(c))) return false;
  const te = maps.find((m) => m.encoding.toLowerCase() === 'telephone-event' && m.clockRate === 8000);
  if (options.telephoneEventPayloadType !== undefined && options.telephoneEventPayloadType !== te?.payloadType) return false;
  const address = (audio.connection ?? offer.connection)?.address.split('/')[0] ?? '';
  return nativeAddress(address, bindAddress);
}

/** What the answer settled still fits: same codec and payload types both ways, no SRTP, IP literals. */
export function fitsNativeLegs(a: LegMediaConfig, b: LegMediaConfig, bindAddress: string): boolean {
  return (
    a.codec === b.codec &&
    a.payloadType === b.payloadType &&
    a.telephoneEventPayloadType === b.telephoneEventPayloadType &&
    !a.srtp &&
    !b.srtp &&
    nativeAddress(a.remoteAddress, bindAddress) &&
    nativeAddress(b.remoteAddress, bindAddress)
  );
}

function nativeAddress(address: string, bindAddress: string): boolean {
  const family = isIP(address);
  return family !== 0 && family === (isIP(bindAddress) || 4);
}

/** A leg's settings as the native plane takes them. */
export function nativeLeg(port: number, config: LegMediaConfig): NativeLegConfig {
  const flags = directionFlags(config.direction);
  return {
    port,
    remoteAddress: config.remoteAddress,
    remotePort: config.remotePort,
    remoteRtcpPort: config.remoteRtcpPort,
    payloadType: config.payloadType,
    ...(config.telephoneEventPayloadType !== undefined ? { telephoneEventPayloadType: config.telephoneEventPayloadType } : {}),
    receivesFrom: flags.recv,
    // As relay-leg.ts: nothing is sent to a phone that asked for none, or to 0.0.0.0 (RFC 3264 §8.4 hold).
    sendsTo: flags.send && config.remoteAddress !== '0.0.0.0',
    latch: config.latch,
  };
}

/** A latch carried over from the native plane: while the leg's SDP address stays `sdp`, it accepts only `peer`. */
export interface LatchPin {
  readonly sdp: MediaAddress;
  readonly latch: LegMediaConfig['latch'];
  readonly peer: MediaAddress;
}

/** The pin for a leg the native plane had latched to `peer` under `config`. */
export function pinFor(config: LegMediaConfig, peer: MediaAddress): LatchPin {
  return { sdp: { address: config.remoteAddress, port: config.remotePort }, latch: config.latch, peer };
}

/** The leg's config with its pinned latch, while its SDP address is the one that latch was made under. */
export function pinned(pins: Map<string, LatchPin>, legId: string, config: LegMediaConfig): LegMediaConfig {
  const pin = pins.get(legId);
  if (!pin) return config;
  if (pin.sdp.address !== config.remoteAddress || pin.sdp.port !== config.remotePort || pin.latch !== config.latch) {
    // The phone moved: the old latch is history, even if it comes back to the old SDP address later.
    pins.delete(legId);
    return config;
  }
  return { ...config, remoteAddress: pin.peer.address, remotePort: pin.peer.port, latch: 'negotiated-only' };
}

/**
 * A native call's counters in the workers' shape, legs named by their
 * ports: srtpFailures 0 (no SRTP there), loss and jitter not measured (0).
 */
export function nativeCallStats(callId: string, ports: ReadonlyMap<string, number>, legs: readonly NativeLegStats[]): CallStats {
  const legIdOf = new Map([...ports].map(([legId, port]) => [port, legId]));
  return {
    callId,
    legs: legs.map(
      (l): LegStats => ({
        legId: legIdOf.get(l.port) ?? String(l.port),
        localPort: l.port,
        latched: l.latched,
        packetsReceived: l.packetsReceived,
        packetsSent: l.packetsSent,
        packetsRefused: l.packetsRefused,
        packetsMalformed: l.packetsMalformed,
        srtpFailures: 0,
        unexpectedPayloadType: l.unexpectedPayloadType,
        rtcpReceived: l.rtcpReceived,
        rtcpSent: l.rtcpSent,
        cumulativeLost: 0,
        jitterMs: 0,
        recvBufferSize: l.recvBufferSize,
      }),
    ),
  };
}
