// A caller's leg answered by Sotto itself (voicemail, an announcement): the
// B2BUA's INVITE server transaction gets our 2xx with the relay's SDP answer
// (or, to a caller that sent no offer, the relay's own offer, answered in
// the ACK: RFC 3264 4), and the leg becomes a UAS dialog that ends with the
// caller's BYE or ours. No B leg exists; media terminates in the relay
// (play/record/DTMF). Keys the caller sends as SIP INFO (info-dtmf.ts) go
// to `pressKey`, beside those the relay finds in the media; an UPDATE
// without an offer (a session refresh, RFC 3311 5.2) gets 200.
//
//   Answering --ACK--> Connected --BYE from caller / hangup()--> Ended
//        |\--------- no ACK after 64*T1 (RFC 3261 13.3.1.4) ------> Ended
//        \---------- ACK without a usable answer to our offer -----> Ended (BYE)
import { createResponse, getCSeq, headerField, type HeaderField, type SipRequest } from '../../sip/message/index.ts';
import { Dialog } from '../../sip/dialog/index.ts';
import type { InviteServerTransaction } from '../../sip/transaction/index.ts';
import type { Destination } from '../../sip/transport/index.ts';
import type { CallContext } from './call-context.ts';
import { hasSdp } from './call-media.ts';
import { readInfoDtmf } from './info-dtmf.ts';
import { OkRetransmitter } from './ok-retransmitter.ts';
import { SOTTO_ALLOW } from '../uas-capabilities.ts';

/** How a locally answered leg ended. */
export type LocalLegEnd = 'caller-hangup' | 'local-hangup' | 'no-ack' | 'no-answer';

/** What the app that answered (voicemail) holds: hang up, or learn that the caller did. */
export interface LocalCallLeg {
  /** The relay-facing call id to use with the media relay for this leg is the app's own choice. */
  readonly callId: string;
  /** Settles once, when the dialog ends for any reason. */
  readonly ended: Promise<LocalLegEnd>;
  /** Sends BYE to the caller (RFC 3261 15.1.1); a no-op once ended. */
  hangup(): void;
}

/** The part of a Call a local answer needs. */
/** A key the caller pressed, reported by the signalling (INFO): to the relay's DTMF listeners. */
export type PressKey = (digit: string, durationMs: number) => void;

export interface AnswerableInvite {
  readonly id: string;
  readonly invite: SipRequest;
  readonly inviteTx: InviteServerTransaction;
  readonly aTag: string;
  readonly aDestination: Destination;
}

export class LocalLeg implements LocalCallLeg {
  readonly dialog: Dialog;
  readonly ended: Promise<LocalLegEnd>;
  private settle: (how: LocalLegEnd) => void = () => {};
  private done = false;
  private acknowledged = false;
  private readonly ok: OkRetransmitter;

  private constructor(
    private readonly source: AnswerableInvite,
    private readonly ctx: CallContext,
    dialog: Dialog,
    sdpAnswer: string,
    /** Set when our 2xx carries our offer: takes the caller's answer from the ACK. */
    private readonly takeAnswer: ((answer: string) => Promise<void>) | undefined,
    private readonly pressKey: PressKey | undefined,
  ) {
    this.dialog = dialog;
    this.ended = new Promise((resolve) => (this.settle = resolve));
    const body = Buffer.from(sdpAnswer, 'utf8');
    const response = createResponse(source.invite, 200, undefined, {
      toTag: source.aTag,
      body,
      headers: [headerField('Contact', ctx.contactFor(source.aDestination.protocol, source.aDestination.address)), SOTTO_ALLOW, headerField('Content-Type', 'application/sdp'), headerField('Content-Length', String(body.length))],
    });
    this.ok = new OkRetransmitter(source.inviteTx, response, ctx.t1Ms, () => {
      // RFC 3261 13.3.1.4: no ACK: "the UAS core SHOULD ... terminate the dialog" with a BYE.
      ctx.log('call.ack_timeout', source.id, { leg: 'local' });
      this.end('no-ack', true);
    }, (ack) => this.acked(ack));
  }

  get callId(): string {
    return this.source.id;
  }

  /**
   * Answers the caller with `sdp`: our answer, or our offer when
   * `takeAnswer` is given (it gets the answer from the ACK). Undefined when
   * the INVITE was already answered (the caller cancelled while the answer
   * was being prepared).
   */
  static answer(source: AnswerableInvite, ctx: CallContext, sdp: string, takeAnswer?: (answer: string) => Promise<void>, pressKey?: PressKey): LocalLeg | undefined {
    if (source.inviteTx.answered) return undefined;
    const dialog = Dialog.asUas(source.invite, source.aTag, ctx.contactFor(source.aDestination.protocol, source.aDestination.address), source.aDestination);
    if (!dialog) return undefined;
    const leg = new LocalLeg(source, ctx, dialog, sdp, takeAnswer, pressKey);
    ctx.localAnswered(leg);
    leg.ok.start();
    ctx.log('call.answered_locally', source.id, {});
    return leg;
  }

  /** The ACK of our 2xx (the first one counts; the caller resends it for each 2xx it gets again). */
  acked(ack: SipRequest): void {
    this.ok.stop();
    if (this.acknowledged || getCSeq(ack)?.seq !== getCSeq(this.source.invite)?.seq) return;
    this.acknowledged = true;
    if (!this.takeAnswer) return;
    // RFC 3264 4: our offer was in the 2xx, so the ACK must carry the answer; without a usable one there is no session.
    const refused = (): void => {
      this.ctx.log('call.ack_answer_refused', this.source.id, { leg: 'local' });
      this.end('no-answer', true);
    };
    if (!hasSdp(ack)) return refused();
    this.takeAnswer(ack.body.toString('utf8')).catch(refused);
  }

  /** A request inside this dialog, routed here by the B2BUA (RFC 3261 12.2.2). */
  onRequest(request: SipRequest, respond: (status: number, headers?: readonly HeaderField[]) => void): void {
    if (this.dialog.receiveRequest(request) === 'out-of-order') return respond(500);
    if (request.method === 'BYE') {
      respond(200);
      this.ctx.log('call.ended', this.source.id, { by: 'a' });
      return this.end('caller-hangup', false);
    }
    // RFC 3261 14.2: a re-INVITE we cannot take is refused; the session carries on unchanged.
    if (request.method === 'INVITE') return respond(488);
    if (request.method === 'INFO') return this.info(request, respond);
    // RFC 3311 5.2: a refresh (no body) is taken, with our Contact in the 2xx; a new offer is refused as a re-INVITE's.
    if (request.method === 'UPDATE') return request.body.length > 0 ? respond(488) : respond(200, [headerField('Contact', this.dialog.localContact)]);
    respond(501);
  }

  /** RFC 6086: a key press (info-dtmf.ts) for the app on this leg; the body is never logged. */
  private info(request: SipRequest, respond: (status: number, headers?: readonly HeaderField[]) => void): void {
    const read = readInfoDtmf(request);
    const status = read.kind === 'refused' ? read.status : 200;
    respond(status, read.kind === 'refused' ? read.headers : []);
    if (read.kind === 'key') this.pressKey?.(read.digit, read.durationMs);
    this.ctx.log('call.info', this.source.id, { leg: 'local', status });
  }

  hangup(): void {
    if (this.done) return;
    this.ctx.log('call.ended', this.source.id, { by: 'sotto' });
    this.end('local-hangup', true);
  }

  private end(how: LocalLegEnd, sendBye: boolean): void {
    if (this.done) return;
    this.done = true;
    this.ok.stop();
    if (sendBye) void this.ctx.stack.request(this.dialog.createRequest('BYE'), this.dialog.destination).catch(() => {});
    this.ctx.localEnded(this);
    this.settle(how);
  }
}
