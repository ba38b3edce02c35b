// A re-INVITE from one leg of a connected call (hold, resume, a codec
// change) passed through to the other leg (RFC 3261 14): the offer goes
// through the relay (which keeps its ports and latches), the other phone's
// answer comes back through it. One re-INVITE at a time per call; a second
// one meanwhile gets 491 (14.2). A re-INVITE without an offer (a session
// refresh, or a phone asking what the session is) never reaches the other
// phone: the relay's own offer for that leg goes in the 2xx, the same
// description under the same o= version when nothing changed, and its
// answer comes in the ACK (14.2, RFC 3264 4).
import type { SipStack } from '../../sip/core/index.ts';
import type { Dialog } from '../../sip/dialog/index.ts';
import { createResponse, headerField, nextHopMaxForwards, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import type { InviteServerTransaction } from '../../sip/transaction/index.ts';
import type { CallMediaRelay } from './call-context.ts';
import { hasSdp } from './call-media.ts';
import { offersSrtp } from './media-security.ts';
import { OkRetransmitter } from './ok-retransmitter.ts';

export interface ReInviteLegs {
  readonly callId: string;
  readonly fromLeg: 'a' | 'b';
  /** The dialog the re-INVITE is sent on (the other phone's). */
  readonly toDialog: Dialog;
  readonly contact: string;
  /** The asking phone's IP: the relay's answer names the address facing it. */
  readonly fromAddress: string;
  /** SRTP toward the other leg: SDES keys only to a phone on TLS. */
  readonly srtpToward: 'sdes' | 'plain';
  /** The asking phone's signalling is TLS (it may send SDES keys). */
  readonly fromTls: boolean;
  readonly requireSrtp: boolean;
}

export type ReInviteOutcome = { readonly status: number };

export async function passReInvite(
  /**
   * `onOk`: the 2xx's retransmissions, to be stopped by the asking phone's
   * ACK. That ACK has a branch of its own (RFC 3261 17.1.1.3) and reaches the
   * call through its dialog, never the re-INVITE's transaction.
   */
  deps: {
    stack: SipStack;
    relay: CallMediaRelay;
    t1Ms: number;
    /** `answerInAck`: the 2xx carried our offer; its answer is in the ACK. */
    onOk: (retransmitter: OkRetransmitter, answerInAck: boolean) => void;
    /** No ACK for the 2xx within 64*T1 (RFC 3261 13.3.1.4: the UAS SHOULD end the dialog). */
    onNoAck: () => void;
    /** Whether the call is still up: a re-INVITE still pending when it ended gets 487 (RFC 3261 15.1.2). */
    connected: () => boolean;
    /** An ACK of our 2xx that matched the re-INVITE's own transaction (its branch reused). */
    acked: (ack: SipRequest) => void;
  },
  legs: ReInviteLegs,
  tx: InviteServerTransaction,
  request: SipRequest,
): Promise<ReInviteOutcome> {
  const reply = (status: number, sdp?: string, answerInAck = false): number => {
    // The call ended meanwhile: it answered 487 then (RFC 3261 15.1.2).
    if (!deps.connected() || tx.answered) return 487;
    if (status >= 200 && status < 300 && sdp !== undefined) {
      const body = Buffer.from(sdp, 'utf8');
      const ok = createResponse(request, status, undefined, {
        body,
        headers: [headerField('Contact', legs.contact), headerField('Content-Type', 'application/sdp'), headerField('Content-Length', String(body.length))],
      });
      const retransmitter = new OkRetransmitter(tx, ok, deps.t1Ms, deps.onNoAck, deps.acked);
      deps.onOk(retransmitter, answerInAck);
      retransmitter.start();
    } else tx.respond(createResponse(request, status));
    return status;
  };
  if (!hasSdp(request)) {
    try {
      return { status: reply(200, await deps.relay.ownOffer(legs.callId, legs.fromLeg, { toward: legs.fromAddress }), true) };
    } catch {
      return { status: reply(500) };
    }
  }
  const passed = await passOffer(deps, legs, request);
  return { status: reply(passed.status, passed.answer) };
}

/**
 * A phone's offer (in a re-INVITE or an UPDATE) through the relay to the
 * other phone, in a re-INVITE on its dialog (every phone takes one; not all
 * take UPDATE); that phone's answer through the relay, for the 2xx to the
 * phone that asked. Otherwise the status to answer it with: the other
 * phone's refusal (a 491 passes back as a 491), 408/503 when it did not
 * answer, 488 when the relay cannot take the offer or the answer.
 */
export async function passOffer(deps: { stack: SipStack; relay: CallMediaRelay }, legs: ReInviteLegs, request: SipRequest): Promise<{ status: number; answer?: string }> {
  // RFC 4568 §8.3: keys sent in the clear are not keys; refuse rather than use them.
  if (offersSrtp(request.body.toString('utf8')) && !legs.fromTls) return { status: 488 };
  const toLeg = legs.fromLeg === 'a' ? 'b' : 'a';
  let offer: string;
  try {
    // The other phone may take the other law now: the relay transcodes.
    offer = await deps.relay.offer(legs.callId, legs.fromLeg, request.body.toString('utf8'), { peerLegId: toLeg, srtp: legs.srtpToward, toward: legs.toDialog.destination.address, transcode: true });
  } catch {
    return { status: 488 };
  }
  const dialog = legs.toDialog;
  const body = Buffer.from(offer, 'utf8');
  // Loop protection as for the call's first INVITE (RFC 7332 3): one hop less than the request that caused it.
  const reInvite = dialog.createRequest('INVITE', { body, contentType: 'application/sdp', maxForwards: nextHopMaxForwards(request) });
  const seq = dialog.localSeq;
  let final: SipResponse | undefined;
  const response = await new Promise<SipResponse | number>((resolve) => {
    deps.stack.sendRequest(reInvite, dialog.destination, {
      onResponse: (r) => {
        if (r.status < 200) return;
        if (final === undefined) {
          final = r;
          resolve(r);
        } else if (r.status < 300) {
          // RFC 3261 13.2.2.4: an ACK for each 2xx; the phone resends its 2xx until one arrives (UDP loses them).
          void deps.stack.sendStateless(dialog.createAck(seq), dialog.destination);
        }
      },
      onTimeout: () => resolve(408),
      onTransportError: () => resolve(503),
    });
  });
  if (typeof response === 'number') return { status: response };
  if (response.status >= 300) return { status: response.status };
  // RFC 3261 13.2.2.4: ACK the 2xx on the other leg, then answer the phone that asked.
  void deps.stack.sendStateless(dialog.createAck(seq), dialog.destination);
  try {
    return { status: 200, answer: await deps.relay.answer(legs.callId, toLeg, response.body.toString('utf8'), { requireSrtp: legs.requireSrtp, toward: legs.fromAddress }) };
  } catch {
    return { status: 488 };
  }
}
