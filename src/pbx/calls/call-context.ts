// What a Call needs from the B2BUA around it: narrow, so a call can be
// driven in tests without the rest of Sotto.
import type { SipStack } from '../../sip/core/index.ts';
import type { Call, UnavailableCall, UnavailableReason } from './call.ts';
import type { LocalLeg } from './local-leg.ts';

/** The media relay's control verbs a call uses (MediaRelay implements them). */
export interface CallMediaRelay {
  offer(callId: string, legId: string, sdp: string, options?: { peerLegId?: string }): Promise<string>;
  answer(callId: string, legId: string, sdp: string): Promise<string>;
  delete(callId: string): Promise<void>;
  /** No RTP from either leg for a while (the relay's inactivity detection); returns the unsubscribe. */
  onInactive?(listener: (callId: string, idleMs: number) => void): () => void;
}

export interface CallContext {
  readonly stack: SipStack;
  readonly relay: CallMediaRelay;
  /** Our Contact header value (name-addr), where phones send in-dialog requests. */
  readonly contact: string;
  readonly ringTimeoutMs: number;
  /** RFC 3261 T1, for 2xx retransmission (13.3.1.4). */
  readonly t1Ms: number;
  onUnavailable(call: UnavailableCall, reason: UnavailableReason): void;
  /** Both legs' dialogs exist: route their in-dialog requests to this call. */
  connected(call: Call): void;
  ended(call: Call): void;
  /** A caller's leg answered by Sotto itself (voicemail): route its in-dialog requests to it. */
  localAnswered(leg: LocalLeg): void;
  localEnded(leg: LocalLeg): void;
  /** Ids and codes only: never numbers, URIs or bodies. */
  log(event: string, callId: string, fields: Record<string, string | number>): void;
}
