// Requests inside a connected two-phone call other than BYE: what one
// phone sends, passed to the other through the B2BUA, each on its own leg's
// dialog (a new CSeq there, RFC 3261 12.2.1.1) with one hop less than the
// request that caused it (Max-Forwards, as for the call's first INVITE).
//
// - re-INVITE (hold, resume, a codec change: re-invite.ts).
// - UPDATE (RFC 3311): without a body, a session refresh (a phone's session
//   timer, RFC 4028): 200 here, not passed on. Sotto lists no `timer` in
//   Supported, so neither phone's timer depends on the other phone's
//   refreshes: each refreshes its own leg, with Sotto. With SDP, an offer:
//   passed on as a re-INVITE's is (passOffer), answered in the 200.
// - INFO (RFC 6086): passed on as it came (Content-Type, Info-Package, body),
//   and the other phone's final status passed back with the header fields
//   that say what it would take instead (Recv-Info on a 469, RFC 6086
//   4.2.2; Accept… on a 415, RFC 3261 21.4.13). A 401/407 becomes 500: the
//   challenge is addressed to Sotto, which has no credentials for it, and
//   passed on it would ask the phone for ones it cannot have either.
//   Bodies are never logged.
//
// Between the callee's 2xx and ours to the caller (the call answering), the
// callee's dialog exists but the caller's does not yet: a request from the
// callee gets 500 with Retry-After, which keeps its dialog (RFC 5057),
// not 481, which would end it.
//
// One offer at a time per call (RFC 3261 14.2, RFC 3311 5.2): an offer
// from a phone to which an offer of ours is pending (our re-INVITE to it,
// our offer in a 2xx awaiting the ACK's answer) gets 491; from a phone whose
// own offer we have not answered yet, 500 with Retry-After (0-10 s).
import { randomInt } from 'node:crypto';
import type { Dialog } from '../../sip/dialog/index.ts';
import { createResponse, getCSeq, getHeaderFields, getMaxForwards, headerField, nextHopMaxForwards, type HeaderField, type SipRequest } from '../../sip/message/index.ts';
import { InviteServerTransaction, type ServerTransaction } from '../../sip/transaction/index.ts';
import type { CallContext } from './call-context.ts';
import { answerInAck, hasSdp } from './call-media.ts';
import { OkRetransmitter } from './ok-retransmitter.ts';
import { passOffer, passReInvite, type ReInviteLegs } from './re-invite.ts';

type Leg = 'a' | 'b';

/** What the requests need of their call. */
export interface MidCallHost {
  readonly id: string;
  connected(): boolean;
  /** The dialog requests toward `leg`'s phone go on. */
  dialogOf(leg: Leg): Dialog | undefined;
  /** How the offer from `from`'s phone travels (re-invite.ts), toward the other phone's dialog. */
  legs(from: Leg, toDialog: Dialog): ReInviteLegs;
  /** Whether our offer in the call's first 2xx still waits for `leg`'s ACK to answer it. */
  awaitsAnswer(leg: Leg): boolean;
  /** Ends the call with a BYE to both phones (RFC 3261 13.3.1.4: no ACK). */
  terminate(): void;
}

/** The header fields an INFO is passed on with, besides its body (RFC 6086 4.2.1, 5.2). */
const INFO_FIELDS = ['content-type', 'info-package', 'content-disposition'];
/** The header fields of the other phone's final response to an INFO passed back with its status: what it takes instead (RFC 6086 4.2.2, RFC 3261 21.4.13). */
const INFO_RESPONSE_FIELDS = ['recv-info', 'accept', 'accept-encoding', 'accept-language'];

/** Retry-After (0-10 s) for a 500 that refuses a request for now, not the dialog (RFC 3261 14.2, RFC 3311 5.2). */
export const retryAfter = (): HeaderField => headerField('Retry-After', String(randomInt(0, 11)));

export class MidCall {
  /** The offer being passed to the other phone, if any (re-INVITE or UPDATE): one at a time. */
  private offering: { readonly from: Leg; readonly tx: ServerTransaction; readonly request: SipRequest } | undefined;
  /** The 2xx to the last re-INVITE, resent until its phone ACKs it (by CSeq number); with our offer if the re-INVITE had none. */
  private reInviteOk: { readonly from: Leg; readonly seq: number; readonly retransmitter: OkRetransmitter; readonly answerInAck: boolean } | undefined;
  /** INFOs waiting for the other phone's final response. */
  private readonly infos = new Map<ServerTransaction, SipRequest>();

  constructor(
    private readonly host: MidCallHost,
    private readonly ctx: CallContext,
  ) {}

  /** The ACK of a re-INVITE's 2xx: stops its retransmissions; the answer to our offer if it carried one. */
  acked(from: Leg, ack: SipRequest): void {
    const r = this.reInviteOk;
    if (!r || r.from !== from || r.seq !== getCSeq(ack)?.seq) return;
    this.stopReInviteOk();
    if (r.answerInAck) answerInAck(this.ctx.relay, this.ctx.log, this.host.id, from, ack, () => this.host.terminate());
  }

  /** A request from `from`'s phone other than BYE and ACK; false when the method is not one of these. */
  take(from: Leg, tx: ServerTransaction, request: SipRequest): boolean {
    if (request.method === 'INVITE' && tx instanceof InviteServerTransaction) this.reInvite(from, tx, request);
    else if (request.method === 'UPDATE') this.update(from, tx, request);
    else if (request.method === 'INFO') this.info(from, tx, request);
    else return false;
    return true;
  }

  /** The call ended: retransmissions stop; an offer or INFO still being passed gets 487 (RFC 3261 15.1.2). */
  end(): void {
    this.stopReInviteOk();
    if (this.offering && !this.offering.tx.answered) this.offering.tx.respond(createResponse(this.offering.request, 487));
    for (const [tx, request] of this.infos) if (!tx.answered) tx.respond(createResponse(request, 487));
    this.infos.clear();
  }

  private reInvite(from: Leg, tx: InviteServerTransaction, request: SipRequest): void {
    const toDialog = this.passable(from, tx, request);
    if (!toDialog) return;
    const seq = getCSeq(request)?.seq ?? 0;
    const onOk = (retransmitter: OkRetransmitter, answerInAck: boolean): void => {
      this.stopReInviteOk();
      this.reInviteOk = { from, seq, retransmitter, answerInAck };
    };
    const onNoAck = (): void => {
      this.ctx.log('call.ack_timeout', this.host.id, {});
      this.host.terminate();
    };
    const deps = { stack: this.ctx.stack, relay: this.ctx.relay, t1Ms: this.ctx.t1Ms, onOk, onNoAck, connected: () => this.host.connected(), acked: (ack: SipRequest) => this.acked(from, ack) };
    this.settle(passReInvite(deps, this.host.legs(from, toDialog), tx, request), 'call.reinvite', from, tx, request);
  }

  private update(from: Leg, tx: ServerTransaction, request: SipRequest): void {
    const contact = headerField('Contact', this.host.dialogOf(from)?.localContact ?? '');
    // RFC 3311 5.2: the 2xx carries our Contact. A refresh changes nothing the other phone needs to know.
    if (request.body.length === 0) return void tx.respond(createResponse(request, 200, undefined, { headers: [contact] }));
    if (!hasSdp(request)) return void tx.respond(createResponse(request, 415, undefined, { headers: [headerField('Accept', 'application/sdp')] }));
    const toDialog = this.passable(from, tx, request);
    if (!toDialog) return;
    const answered = passOffer({ stack: this.ctx.stack, relay: this.ctx.relay }, this.host.legs(from, toDialog), request).then(({ status, answer }) => {
      // The call ended meanwhile: it answered 487 then (RFC 3261 15.1.2).
      if (!this.host.connected() || tx.answered) return 487;
      const body = answer === undefined ? undefined : Buffer.from(answer, 'utf8');
      const sdp = body ? { body, headers: [contact, headerField('Content-Type', 'application/sdp'), headerField('Content-Length', String(body.length))] } : {};
      tx.respond(createResponse(request, status, undefined, sdp));
      return status;
    });
    this.settle(answered.then((status) => ({ status })), 'call.update', from, tx, request);
  }

  private info(from: Leg, tx: ServerTransaction, request: SipRequest): void {
    const toDialog = this.host.dialogOf(from === 'a' ? 'b' : 'a');
    if (!this.host.connected() || !toDialog) return void tx.respond(createResponse(request, 500, undefined, { headers: [retryAfter()] }));
    if (getMaxForwards(request) === 0) return void tx.respond(createResponse(request, 483));
    const fields: HeaderField[] = INFO_FIELDS.flatMap((name) => getHeaderFields(request.headers, name));
    const info = toDialog.createRequest('INFO', { body: request.body, headers: fields, maxForwards: nextHopMaxForwards(request) });
    this.infos.set(tx, request);
    void this.ctx.stack.request(info, toDialog.destination).then((response) => {
      this.infos.delete(tx);
      // The other phone's verdict (200, 415, 469 …); a timeout is 408 (RFC 3261 8.1.3.1). A challenge
      // is for Sotto, not the phone (see above): 500.
      const status = response.status === 401 || response.status === 407 ? 500 : response.status;
      const headers = INFO_RESPONSE_FIELDS.flatMap((name) => getHeaderFields(response.headers, name));
      if (!tx.answered) tx.respond(createResponse(request, status, undefined, { headers }));
      this.ctx.log('call.info', this.host.id, { by: from, status: response.status });
    });
  }

  /** The other phone's dialog, when an offer may be passed to it now; else the refusal is sent. */
  private passable(from: Leg, tx: ServerTransaction, request: SipRequest): Dialog | undefined {
    const toDialog = this.host.dialogOf(from === 'a' ? 'b' : 'a');
    const refuse = (status: number, headers: HeaderField[] = []): undefined => void tx.respond(createResponse(request, status, undefined, { headers }));
    // The call is answering (the caller's dialog is not there yet): later, not 481 (RFC 5057).
    if (!this.host.connected() || !toDialog) return refuse(500, [retryAfter()]);
    // Loop protection as for the call's first INVITE: no hop left, not passed on (RFC 3261 16.3 item 3).
    if (getMaxForwards(request) === 0) return refuse(483);
    // RFC 3261 14.2, RFC 3311 5.2: its own offer still unanswered; then ours to it still unanswered.
    if (this.offering?.from === from) return refuse(500, [retryAfter()]);
    if (this.offering || this.host.awaitsAnswer(from) || (this.reInviteOk?.from === from && this.reInviteOk.answerInAck)) return refuse(491);
    this.offering = { from, tx, request };
    return toDialog;
  }

  private settle(passing: Promise<{ status: number }>, event: string, from: Leg, tx: ServerTransaction, request: SipRequest): void {
    passing
      .then(({ status }) => this.ctx.log(event, this.host.id, { by: from, status }))
      .catch(() => {
        if (!tx.answered) tx.respond(createResponse(request, 500));
      })
      .finally(() => {
        if (this.offering?.tx === tx) this.offering = undefined;
      });
  }

  private stopReInviteOk(): void {
    this.reInviteOk?.retransmitter.stop();
    this.reInviteOk = undefined;
  }
}
