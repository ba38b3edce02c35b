// What a local service (voicemail, the mailbox menu) is handed when the
// B2BUA gives it a caller: the unanswered INVITE, and the two ways to end
// its wait, a final failure or Sotto's own answer.
import type { SipRequest } from '../../sip/message/index.ts';
import type { Destination } from '../../sip/transport/index.ts';
import type { Caller } from './caller-auth.ts';
import type { LocalCallLeg, PressKey } from './local-leg.ts';

export type UnavailableReason = 'busy' | 'no-answer' | 'unregistered' | 'failed';

/** What the onUnavailable hook (voicemail) is handed: the unanswered caller. */
export interface UnavailableCall {
  readonly id: string;
  readonly practiceId: string;
  readonly caller: Caller;
  readonly calleeExtension: string;
  /** The caller's INVITE: its SDP offer in the body, or no body (a late offer, RFC 3261 13.2.1). */
  readonly invite: SipRequest;
  /** Where the caller's signalling came from: the relay's SDP names the address facing it (its SDP c= may be behind a NAT). */
  readonly callerAddress: string;
  /** And over which transport: SDES keys go only to a caller on TLS. */
  readonly aDestination: Destination;
  /** Answers the caller with a final failure status (the default hook: 480). */
  reject(status: number): void;
  /**
   * Answers the caller ourselves (voicemail) with `sdp`: a dialog that ends
   * with the caller's BYE or hangup(). `sdp` is the answer to the caller's
   * offer, or for a late offer our own offer: `takeAnswer` then gets the
   * caller's answer from its ACK (RFC 3264 4), and the caller is hung up if
   * the ACK has none or `takeAnswer` rejects. Undefined if the caller
   * already gave up (CANCEL) while the answer was being prepared.
   * `pressKey` gets the keys the caller sends as SIP INFO (RFC 6086).
   */
  answer(sdp: string, takeAnswer?: (answer: string) => Promise<void>, pressKey?: PressKey): LocalCallLeg | undefined;
}
