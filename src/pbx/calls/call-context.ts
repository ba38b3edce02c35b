// What a Call needs from the B2BUA around it: narrow, so a call can be
// driven in tests without the rest of Sotto.
import type { SipStack } from '../../sip/core/index.ts';
import type { TransportProtocol } from '../../sip/transport/index.ts';
import type { Call, UnavailableCall, UnavailableReason } from './call.ts';
import type { LocalLeg } from './local-leg.ts';

/** The media relay's control verbs a call uses (MediaRelay implements them). */
export interface CallMediaRelay {
  /** `srtp`: SDES toward the answerer ('sdes'), plain RTP ('plain'), or as the offerer did ('same'). */
  /** `toward`: the IP of the phone the offer goes to (the relay names the address facing it). */
  /** `transcode`: also offer the G.711 law the offerer lacks, after its own (the relay converts). */
  offer(callId: string, legId: string, sdp: string, options?: { peerLegId?: string; srtp?: 'same' | 'sdes' | 'plain'; toward?: string; transcode?: boolean }): Promise<string>;
  /**
   * The offer just made, for another phone of a forked call: the same relay
   * leg, our address facing `toward` (that phone's IP).
   */
  offerToward(callId: string, toward: string): string;
  /** `requireSrtp`: refuse an offerer that did not offer SRTP. `toward`: the IP of the offerer's phone. */
  answer(callId: string, legId: string, sdp: string, options?: { requireSrtp?: boolean; toward?: string }): Promise<string>;
  /**
   * Sotto's own offer to `legId`'s phone, which sent none (RFC 3261 13.2.1,
   * 14.2): it goes in our 2xx; its answer, from the ACK, to takeAnswer().
   */
  ownOffer(callId: string, legId: string, options?: { peerLegId?: string; srtp?: 'sdes' | 'plain'; toward?: string }): Promise<string>;
  takeAnswer(callId: string, legId: string, sdp: string): Promise<void>;
  delete(callId: string): Promise<void>;
  /** No RTP from either leg for a while (the relay's inactivity detection); returns the unsubscribe. */
  onInactive?(listener: (callId: string, idleMs: number) => void): () => void;
}

export interface CallContext {
  readonly stack: SipStack;
  readonly relay: CallMediaRelay;
  /**
   * Our Contact header value (name-addr) for a leg on this transport, where
   * that phone sends in-dialog requests: a phone on TCP or TLS must be told
   * to come back over TCP or TLS (RFC 3261 8.1.1.8), never over UDP. `peer`
   * is that phone's IP: the host named is one it can reach (the advertised
   * address, or the interface facing it).
   */
  contactFor(protocol: TransportProtocol, peer: string): string;
  readonly ringTimeoutMs: number;
  /** RFC 3261 T1, for 2xx retransmission (13.3.1.4). */
  readonly t1Ms: number;
  onUnavailable(call: UnavailableCall, reason: UnavailableReason): void;
  /** The callee answered (B dialog exists, A not yet told): route B's in-dialog requests (a quick BYE) to this call. */
  answered(call: Call): void;
  /** Both legs' dialogs exist: route their in-dialog requests to this call. */
  connected(call: Call): void;
  ended(call: Call): void;
  /** Writes the call's detail record (its outcome set); for calls whose outcome comes after they end. */
  record(call: Call): void;
  /** Handed to a local service that has not answered yet: the caller's CANCEL or early BYE still reaches it (abandonHandOver). */
  handingOver(call: Call): void;
  /** Answered or refused by that service, or abandoned. */
  handedOver(call: Call): void;
  /** A caller's leg answered by Sotto itself (voicemail): route its in-dialog requests to it. */
  localAnswered(leg: LocalLeg): void;
  localEnded(leg: LocalLeg): void;
  /** Ids and codes only: never numbers, URIs or bodies. */
  log(event: string, callId: string, fields: Record<string, string | number>): void;
}
