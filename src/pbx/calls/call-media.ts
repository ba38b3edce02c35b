// How the legs of a call get their SDP through the relay (RFC 3264). The
// usual way, the caller's INVITE carries the offer: the relay bridges it
// to the callee, offering the law the caller lacks too (the relay
// transcodes mu-law and A-law, so a phone of each can talk), and the
// callee's answer comes back bridged to the caller.
//
// A late offer, an INVITE without SDP (RFC 3261 13.2.1): the offer must
// then be ours, in the 2xx, and the caller answers it in its ACK. As a
// media-anchoring B2BUA Sotto offers each leg from the relay: the callee
// when it rings, the caller in the 200 once the callee has answered (the
// callee's codec first, so nothing is transcoded when the caller has it),
// and takes the caller's answer from the ACK. Without a usable one the
// session cannot be set up and both legs are hung up (RFC 3264 4, RFC
// 6337). Such a caller hears ringing, never early media: it has no offer
// from us to hear it by until the 200.
import { getHeader, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import type { CallMediaRelay } from './call-context.ts';

/** Whether a message carries an SDP body (an offer or answer). */
export function hasSdp(message: SipRequest | SipResponse): boolean {
  return message.body.length > 0 && (getHeader(message.headers, 'content-type') ?? '').toLowerCase().startsWith('application/sdp');
}

/** The SDP for the callee's phones: the caller's offer bridged, or, for a late offer, the relay's own. */
export function offerCallee(relay: CallMediaRelay, callId: string, invite: SipRequest, o: { srtp: 'sdes' | 'plain'; toward?: string }): Promise<string> {
  const toward = o.toward !== undefined ? { toward: o.toward } : {};
  if (!hasSdp(invite)) return relay.ownOffer(callId, 'b', { peerLegId: 'a', srtp: o.srtp, ...toward });
  return relay.offer(callId, 'a', invite.body.toString('utf8'), { peerLegId: 'b', srtp: o.srtp, transcode: true, ...toward });
}

/**
 * The SDP for the caller once the callee has answered with `answer`: the
 * relay's answer to the caller's offer, or, for a late offer, the relay's
 * own offer (the callee's answer taken first), to be answered in the ACK.
 */
export async function sdpForCaller(
  relay: CallMediaRelay,
  callId: string,
  invite: SipRequest,
  answer: SipResponse,
  o: { requireSrtp: boolean; srtp: 'sdes' | 'plain'; toward: string },
): Promise<string> {
  if (hasSdp(invite)) return relay.answer(callId, 'b', answer.body.toString('utf8'), { requireSrtp: o.requireSrtp, toward: o.toward });
  await relay.takeAnswer(callId, 'b', answer.body.toString('utf8'));
  return relay.ownOffer(callId, 'a', { peerLegId: 'b', srtp: o.srtp, toward: o.toward });
}

/**
 * The answer to our offer in a 2xx, from the ACK (RFC 3264 4): the relay
 * takes it for `leg`. An ACK without one, or one that does not fit the
 * offer, leaves the session without media: `hangUp` ends the call.
 */
export function answerInAck(
  relay: CallMediaRelay,
  log: (event: string, callId: string, fields: Record<string, string | number>) => void,
  callId: string,
  leg: 'a' | 'b',
  ack: SipRequest,
  hangUp: () => void,
): void {
  const refused = (code: string): void => {
    log('call.ack_answer_refused', callId, { leg, code });
    hangUp();
  };
  if (!hasSdp(ack)) return refused('CALL_NO_ANSWER_IN_ACK');
  relay.takeAnswer(callId, leg, ack.body.toString('utf8')).then(
    () => log('call.ack_answer', callId, { leg }),
    (e: unknown) => refused(relayCode(e)),
  );
}

/** A relay failure's stable code, for the log. */
export function relayCode(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'unknown';
}
