// What the relay keeps for each call (media-relay.ts): its plane, ports,
// pending offer, pairing and negotiated legs, and the small rules about
// them; kept apart so the relay file holds the control API.
import { randomBytes } from 'node:crypto';
import type { LegMediaConfig } from './control-messages.ts';
import type { SessionDescription } from '../sdp/session-description.ts';
import type { LatchPin } from './native-fit.ts';
import type { OwnOffer } from './own-offer.ts';
import type { Exchange } from './sdp-bridge.ts';
import { SdpOrigins } from './sdp-origins.ts';
import type { WorkerSlot } from './worker-pool.ts';

export interface CallRecord {
  /** The worker holding the call, while it is on the JS plane. */
  slot?: WorkerSlot;
  /** The call's number on the native plane, while it is there. */
  native?: number;
  /** Leg id -> its even RTP port. */
  readonly ports: Map<string, number>;
  /** Our o= line toward each leg. */
  readonly origins: SdpOrigins;
  /** Per leg, the SRTP key the relay uses toward it when it is the offerer (stable across re-offers). */
  readonly offererKeys: Map<string, Buffer>;
  /** The offer pending or answered. */
  exchange?: { readonly exchange: Exchange; readonly peerLegId?: string };
  /** Sotto's own offers (ownOffer()) waiting for their answer, by the leg they went to. */
  readonly ownOffers: Map<string, OwnOffer>;
  /** The last offer made (offer() or ownOffer()), as sent: what offerToward() readdresses for another phone. */
  lastOffer?: { readonly description: SessionDescription; readonly sent: string };
  /** The other leg of each leg, once paired. */
  readonly peers: Map<string, string>;
  /** What each leg last negotiated (to move the call between planes). */
  readonly configs: Map<string, LegMediaConfig>;
  /** Latches carried over from the native plane: while a leg's SDP address stays `sdp`, it accepts only `peer`. */
  readonly pins: Map<string, LatchPin>;
  /** A move to the JS plane under way. */
  moving?: Promise<void>;
  /** Set by delete(): settles once the call's plane has closed its sockets. */
  deleting?: Promise<void>;
}

export function newCallRecord(): CallRecord {
  return { ports: new Map(), origins: new SdpOrigins(), offererKeys: new Map(), ownOffers: new Map(), peers: new Map(), configs: new Map(), pins: new Map() };
}

/** The relay's SRTP key toward `legId` when it offers SRTP: made once, then the same across re-offers. Plain calls never draw one. */
export function offererKey(record: CallRecord, legId: string): Buffer {
  let key = record.offererKeys.get(legId);
  if (!key) {
    key = randomBytes(30);
    record.offererKeys.set(legId, key);
  }
  return key;
}

export function pendingLegId(offererLegId: string): string {
  return `\u0000pending:${offererLegId}`;
}

