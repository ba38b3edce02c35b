// The address the relay writes into SDP c= and o= for a phone: where that
// phone must send its audio (RFC 3264 §6). One address when the operator
// named it (a 1:1 NAT's public one, a multi-homed server's chosen one),
// else the address facing the phone when the sockets listen on all
// interfaces (sip/transport/local-routes.ts chooses it).
import type { SdpConnection, SdpOrigin, SessionDescription } from '../sdp/session-description.ts';

/** One address, or one per peer IP (the interface facing it). */
export type AdvertisedAddress = string | ((peer: string) => string);

/**
 * Our address in SDP sent to the phone at `peer` (its signalling address,
 * from the B2BUA), else at the address its own SDP names: a guess when the
 * SDP goes to the other phone, right on one network, which is most offices.
 */
export function advertisedToward(advertised: AdvertisedAddress | undefined, bindAddress: string, peer: string | undefined, sdp: SessionDescription | undefined): string {
  if (typeof advertised === 'string') return advertised;
  if (advertised === undefined) return bindAddress;
  // No address known (an SDP with none): 0.0.0.0 is in no subnet, so the default route's interface.
  return advertised(peer ?? (sdp && sdpAddress(sdp)) ?? '0.0.0.0');
}

/**
 * The relay's own description with `address` in place of the one it names,
 * in o= (RFC 4566 §5.2) and every c= (session and media level), all else
 * as it was: one offer sent to several phones of a forked call, each told
 * the address facing it.
 */
export function readdressed(sdp: SessionDescription, address: string): SessionDescription {
  const addrType = address.includes(':') ? 'IP6' : 'IP4';
  const origin: SdpOrigin = { ...sdp.origin, addrType, address };
  const connection = (c: SdpConnection): SdpConnection => ({ ...c, addrType, address });
  return {
    ...sdp,
    origin,
    ...(sdp.connection ? { connection: connection(sdp.connection) } : {}),
    media: sdp.media.map((m) => (m.connection ? { ...m, connection: connection(m.connection) } : m)),
  };
}

/** The connection address of an SDP (session level, else its first media's), without a multicast suffix. */
function sdpAddress(sdp: SessionDescription): string | undefined {
  const c = sdp.connection ?? sdp.media.find((m) => m.connection)?.connection;
  return c?.address.split('/')[0];
}
