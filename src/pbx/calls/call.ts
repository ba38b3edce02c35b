// One extension-to-extension call through the B2BUA: the A leg (the
// caller's INVITE, answered by us) and the B leg (our INVITE forked to each
// contact of the callee), media anchored in the relay between them.
//
//   Ringing --first 2xx from a fork--> Answering --200 sent to A--> Connected --BYE--> Ended
//      |  \--CANCEL, or BYE in the early dialog, from A (487 to A)-------------------> Ended
//      \---- busy / no answer / every fork failed: onUnavailable(call, reason) -------> Ended
import { createResponse, generateTag, getCSeq, getHeader, headerField, nextHopMaxForwards, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import { Dialog } from '../../sip/dialog/index.ts';
import type { InviteServerTransaction, ServerTransaction } from '../../sip/transaction/index.ts';
import type { Destination } from '../../sip/transport/index.ts';
import type { Caller } from './caller-auth.ts';
import { Fork, type ForkEvents } from './fork.ts';
import { OkRetransmitter } from './ok-retransmitter.ts';
import { srtpToward } from './media-security.ts';
import { MidCall, type MidCallHost } from './mid-call.ts';
import type { CallContext } from './call-context.ts';
import { answerInAck, hasSdp, offerCallee, relayCode, sdpForCaller } from './call-media.ts';
import { LocalLeg, type LocalCallLeg, type PressKey } from './local-leg.ts';
import type { UnavailableCall, UnavailableReason } from './unavailable-call.ts';
import type { CallOutcome } from '../cdr/call-record.ts';
import { SOTTO_ALLOW } from '../uas-capabilities.ts';

export type { UnavailableCall, UnavailableReason } from './unavailable-call.ts';

export enum CallState {
  Ringing = 'ringing',
  Answering = 'answering',
  Connected = 'connected',
  Ended = 'ended',
}

const TRANSITIONS: Record<CallState, readonly CallState[]> = {
  [CallState.Ringing]: [CallState.Answering, CallState.Ended],
  [CallState.Answering]: [CallState.Connected, CallState.Ended],
  [CallState.Connected]: [CallState.Ended],
  [CallState.Ended]: [],
};

export class Call implements UnavailableCall, ForkEvents {
  private current = CallState.Ringing;
  readonly aTag = generateTag();
  private forks: Fork[] = [];
  private ringTimer: NodeJS.Timeout | undefined;
  private ringingSent = false;
  private failures: number[] = [];
  /** Where the branches went, and those that refused the offer as such (488/606): see retryPlain(). */
  private destinations: readonly { uri: SipRequest['uri']; destination: Destination }[] = [];
  private refusedOffer: number[] = [];
  private ringDeadline = 0;
  private plainRetried = false;
  private busyEarlier = false;
  private relayed = false;
  aDialog: Dialog | undefined;
  bDialog: Dialog | undefined;
  private winner: Fork | undefined;
  private okRetransmit: OkRetransmitter | undefined;
  /** Re-INVITE, UPDATE and INFO between the phones once connected. */
  private readonly midCall: MidCall;
  /** For the call detail record (epoch ms). */
  readonly startedAt = Date.now();
  answeredAt: number | null = null;
  /** How the call ended, once it has. */
  outcome: CallOutcome | undefined;
  private rejected = false;
  /** Handed over to a local service that has neither answered nor rejected yet: the outcome if it rejects. */
  private pendingOutcome: CallOutcome | undefined;
  /** The branch whose 183 SDP the caller's early media comes from. */
  private earlyFork: Fork | undefined;
  /** The B2BUA's key for the call while it rings: the caller's Call-ID and From tag, what a CANCEL carries. */
  ringingKey = '';
  /** SRTP toward the callee's phones, and whether policy requires SRTP on both legs. */
  private media = { srtp: 'plain' as 'sdes' | 'plain', requireSrtp: false };

  constructor(
    readonly id: string,
    readonly caller: Caller,
    readonly calleeExtension: string,
    readonly invite: SipRequest,
    readonly inviteTx: InviteServerTransaction,
    readonly aDestination: Destination,
    private readonly ctx: CallContext,
  ) {
    this.midCall = new MidCall(this.midCallHost(), ctx);
  }

  /** Our Contact toward the caller, on the caller's transport. */
  get callerAddress(): string {
    return this.aDestination.address;
  }

  /** Our Contact toward the caller (its early dialog's and its dialog's). */
  get aContact(): string {
    return this.ctx.contactFor(this.aDestination.protocol, this.aDestination.address);
  }

  get practiceId(): string {
    return this.caller.practiceId;
  }

  get state(): CallState {
    return this.current;
  }

  private moveTo(next: CallState): void {
    if (!TRANSITIONS[this.current].includes(next)) throw new Error(`call: illegal transition ${this.current} -> ${next}`);
    this.current = next;
  }

  /** Rings every destination in parallel with the relay's offer (RFC 3261 16.6-style parallel forking). */
  async ring(
    destinations: readonly { uri: SipRequest['uri']; destination: Destination }[],
    ringTimeoutMs = this.ctx.ringTimeoutMs,
    media: { srtp: 'sdes' | 'plain'; requireSrtp: boolean } = { srtp: 'plain', requireSrtp: false },
  ): Promise<void> {
    // A CANCEL may have ended the call while the callee's settings and phones were looked up.
    if (this.current !== CallState.Ringing) return;
    this.media = media;
    this.destinations = destinations;
    if (this.ringDeadline === 0) this.ringDeadline = Date.now() + ringTimeoutMs;
    // One relay leg toward the callee, whichever phone answers; each branch's SDP names the
    // address facing that phone (RFC 3264 6): a VPN softphone cannot reach the desk phones' one.
    let sdpForB: string[];
    try {
      this.relayed = true;
      const toward = destinations[0]?.destination.address;
      const first = await offerCallee(this.ctx.relay, this.id, this.invite, { srtp: media.srtp, ...(toward !== undefined ? { toward } : {}) });
      if (this.current !== CallState.Ringing) {
        // Ended while the relay was binding: end() may have asked for the delete before the offer existed.
        this.ctx.relay.delete(this.id).catch(() => {});
        return;
      }
      sdpForB = destinations.map((d, i) => (i === 0 ? first : this.ctx.relay.offerToward(this.id, d.destination.address)));
    } catch (e) {
      this.ctx.log('call.relay_offer_failed', this.id, { code: relayCode(e) });
      return this.end(488, 'failed');
    }
    const from = this.caller.extension;
    const bCallId = `${generateTag()}${generateTag()}`;
    const bTag = generateTag();
    this.forks = destinations.map((d, i) => new Fork(i, this.ctx.stack, d.destination, this.ctx.contactFor(d.destination.protocol, d.destination.address), this));
    this.forks.forEach((fork, i) => {
      const target = destinations[i]!;
      const body = Buffer.from(sdpForB[i]!, 'utf8');
      // Each branch is a new dialog-to-be: a fresh Call-ID and From tag (not A's), shared by the branches.
      const headers = [
        headerField('Max-Forwards', String(nextHopMaxForwards(this.invite))),
        headerField('From', `<sip:${from}@${this.caller.realm}>;tag=${bTag}`),
        headerField('To', `<sip:${this.calleeExtension}@${this.caller.realm}>`),
        headerField('Call-ID', bCallId),
        headerField('CSeq', '1 INVITE'),
        headerField('Contact', this.ctx.contactFor(fork.destination.protocol, fork.destination.address)),
        SOTTO_ALLOW,
        headerField('Content-Type', 'application/sdp'),
        headerField('Content-Length', String(body.length)),
      ];
      fork.start({ kind: 'request', method: 'INVITE', uri: target.uri, version: 'SIP/2.0', headers, body });
    });
    this.stopRinging();
    this.ringTimer = setTimeout(() => this.noAnswer(), ringTimeoutMs);
    this.ringTimer.unref?.();
  }

  // ------------------------------------------------------------ fork events

  onProvisional(fork: Fork, response: SipResponse): void {
    if (this.current !== CallState.Ringing || response.status === 100) return;
    // Early media (RFC 3960): the first branch whose provisional carries SDP
    // gets the caller's media path through the relay; later ones do not. A
    // late-offer caller has no offer of ours to hear it with: it hears ringing.
    if (!this.earlyFork && hasSdp(response) && hasSdp(this.invite)) {
      this.earlyFork = fork;
      void this.earlyMedia(response);
      return;
    }
    // Ringing is passed once, whichever branch rings first; after early
    // media a 180 would make the caller's phone drop it for local ringback.
    if (this.ringingSent || this.earlyFork) return;
    this.ringingSent = true;
    this.inviteTx.respond(createResponse(this.invite, 180, undefined, { toTag: this.aTag, headers: [headerField('Contact', this.aContact)] }));
  }

  /** 183 Session Progress with the relay's answer, so the caller hears the callee's early media through Sotto. */
  private async earlyMedia(response: SipResponse): Promise<void> {
    let sdpForA: string;
    try {
      sdpForA = await this.ctx.relay.answer(this.id, 'b', response.body.toString('utf8'), { requireSrtp: this.media.requireSrtp, toward: this.aDestination.address });
    } catch (e) {
      this.ctx.log('call.early_media_failed', this.id, { code: relayCode(e) });
      return;
    }
    if (this.current !== CallState.Ringing) return;
    const body = Buffer.from(sdpForA, 'utf8');
    this.inviteTx.respond(
      createResponse(this.invite, 183, undefined, {
        toTag: this.aTag,
        body,
        headers: [headerField('Contact', this.aContact), headerField('Content-Type', 'application/sdp'), headerField('Content-Length', String(body.length))],
      }),
    );
    this.ctx.log('call.early_media', this.id, {});
  }

  onAnswer(fork: Fork, dialog: Dialog, response: SipResponse): boolean {
    // Lost the race (or the call was cancelled): the fork hangs that phone up.
    if (this.current !== CallState.Ringing) return false;
    this.winner = fork;
    this.bDialog = dialog;
    this.moveTo(CallState.Answering);
    // The callee may hang up as soon as it has our ACK, before the caller has the 200.
    this.ctx.answered(this);
    this.stopRinging();
    for (const other of this.forks) if (other !== fork) other.cancel();
    void this.connect(response);
    return true;
  }

  onFailure(fork: Fork, status: number): void {
    if (this.current !== CallState.Ringing) return;
    this.failures.push(status);
    if (status === 488 || status === 606) this.refusedOffer.push(fork.index);
    if (this.failures.length < this.forks.length) return;
    if (this.retryPlain()) return;
    // RFC 3261 16.7 step 6 picks the best response; for the caller here only busy or not matters.
    const busy = this.busyEarlier || this.failures.some(isBusy);
    this.unavailable(busy ? 'busy' : 'failed');
  }

  /**
   * SRTP is offered to phones on TLS, required only when the practice policy
   * says so. A phone on TLS without SRTP refuses that offer (488 Not
   * Acceptable Here, RFC 3261 21.4.26); when every branch has failed and
   * some refused so, those are rung once more, for what is left of the ring
   * time, with plain RTP (no keys in their SDP). Under a require-SRTP policy
   * there is no second round: the call fails as before.
   */
  private retryPlain(): boolean {
    if (this.plainRetried || this.media.srtp !== 'sdes' || this.media.requireSrtp || this.refusedOffer.length === 0) return false;
    this.plainRetried = true;
    const again = this.refusedOffer.map((i) => this.destinations[i]!);
    this.refusedOffer = [];
    // A phone that said busy in the first round still makes the call busy if the second round fails too.
    this.busyEarlier = this.failures.some(isBusy);
    this.failures = [];
    // The first round's branches are over: they no longer hold this call, and early media from one of them is gone.
    for (const f of this.forks) f.detach();
    this.earlyFork = undefined;
    this.ctx.log('call.srtp_refused_plain_retry', this.id, { branches: again.length });
    void this.ring(again, Math.max(1000, this.ringDeadline - Date.now()), { srtp: 'plain', requireSrtp: false });
    return true;
  }

  // ------------------------------------------------------------ transitions

  private async connect(response: SipResponse): Promise<void> {
    let sdpForA: string;
    try {
      sdpForA = await sdpForCaller(this.ctx.relay, this.id, this.invite, response, { requireSrtp: this.media.requireSrtp, srtp: srtpToward(this.aDestination.protocol), toward: this.aDestination.address });
    } catch (e) {
      // Ended meanwhile (the caller gave up): the callee has had its BYE already.
      if (this.current !== CallState.Answering) return;
      this.ctx.log('call.relay_answer_failed', this.id, { code: relayCode(e) });
      this.hangUpB();
      return this.end(500, 'failed');
    }
    if (this.current !== CallState.Answering) return;
    const body = Buffer.from(sdpForA, 'utf8');
    const ok = createResponse(this.invite, 200, undefined, {
      toTag: this.aTag,
      body,
      headers: [headerField('Contact', this.aContact), SOTTO_ALLOW, headerField('Content-Type', 'application/sdp'), headerField('Content-Length', String(body.length))],
    });
    this.aDialog = Dialog.asUas(this.invite, this.aTag, this.aContact, this.aDestination);
    this.moveTo(CallState.Connected);
    this.answeredAt = Date.now();
    this.okRetransmit = new OkRetransmitter(this.inviteTx, ok, this.ctx.t1Ms, () => {
      // RFC 3261 13.3.1.4: no ACK: "the UAS core SHOULD ... terminate the dialog" with a BYE, both legs here.
      this.ctx.log('call.ack_timeout', this.id, {});
      this.terminate();
    }, (ack) => this.acked('a', ack));
    this.okRetransmit.start();
    this.ctx.connected(this);
    this.ctx.log('call.connected', this.id, {});
  }

  /** The ACK of a 2xx from one phone, by its dialog: stops that 2xx's retransmissions; the answer to our offer if it carried one. */
  acked(from: 'a' | 'b', ack: SipRequest): void {
    if (from === 'a' && this.okRetransmit && getCSeq(ack)?.seq === getCSeq(this.invite)?.seq) {
      this.okRetransmit.stop();
      this.okRetransmit = undefined;
      if (!hasSdp(this.invite)) answerInAck(this.ctx.relay, this.ctx.log, this.id, 'a', ack, () => this.terminate());
    }
    this.midCall.acked(from, ack);
  }

  /** A request from one phone inside the connected call other than BYE (mid-call.ts); false for a method not handled there. */
  inDialog(from: 'a' | 'b', tx: ServerTransaction, request: SipRequest): boolean {
    return this.midCall.take(from, tx, request);
  }

  private midCallHost(): MidCallHost {
    const winner = (): Destination => this.winner?.destination ?? this.aDestination;
    return {
      id: this.id,
      connected: () => this.current === CallState.Connected,
      dialogOf: (leg) => (leg === 'a' ? this.aDialog : this.bDialog),
      // Our offer in the first 2xx (a late-offer caller's) is answered in its ACK (RFC 3264 4).
      awaitsAnswer: (leg) => leg === 'a' && this.okRetransmit !== undefined && !hasSdp(this.invite),
      terminate: () => this.terminate(),
      legs: (from, toDialog) => ({
        callId: this.id,
        fromLeg: from,
        toDialog,
        contact: from === 'a' ? this.aContact : this.ctx.contactFor(winner().protocol, winner().address),
        fromAddress: from === 'a' ? this.aDestination.address : winner().address,
        srtpToward: from === 'a' ? this.media.srtp : srtpToward(this.aDestination.protocol),
        fromTls: (from === 'a' ? this.aDestination : winner()).protocol === 'TLS',
        requireSrtp: this.media.requireSrtp,
      }),
    };
  }

  /**
   * CANCEL from the caller (RFC 3261 9.2), or its BYE in the early dialog
   * (15): 487 to the INVITE, every branch cancelled. Also once the callee
   * has answered but before the caller has our 200 (Answering): the callee,
   * already ACKed, gets a BYE (RFC 3261 15.1.1) and the call never connects.
   */
  cancelByCaller(): void {
    if (this.current === CallState.Answering) this.hangUpB();
    else if (this.current === CallState.Ringing) for (const f of this.forks) f.cancel();
    else return;
    this.ctx.log('call.cancelled', this.id, {});
    this.end(487, 'cancelled');
  }

  /**
   * The caller's CANCEL or BYE in the early dialog after the call was handed
   * to a local service (voicemail) that has not answered yet: 487 to the
   * INVITE, and the record says cancelled; the service's late answer or
   * refusal then finds the INVITE answered (answer() is undefined).
   */
  abandonHandOver(): void {
    if (this.pendingOutcome === undefined || this.answeredAt !== null) return;
    if (!this.inviteTx.answered) this.inviteTx.respond(createResponse(this.invite, 487, undefined, { toTag: this.aTag }));
    this.ctx.log('call.cancelled', this.id, {});
    this.settleHandOver('cancelled');
  }

  /** BYE from one side (already answered 200): BYE the other side, and free the media. */
  hangUp(from: 'a' | 'b'): void {
    if (this.current === CallState.Ended) return;
    if (this.current === CallState.Answering) {
      // The callee hung up before the caller got the 200: the caller gets a final failure instead.
      this.ctx.log('call.ended', this.id, { by: from });
      return this.end(480, 'failed');
    }
    if (from === 'a') this.hangUpB();
    else this.hangUpA();
    this.ctx.log('call.ended', this.id, { by: from });
    this.end(undefined, 'answered');
  }

  /** Sotto ends a connected call itself (dead media, shutdown): BYE to both phones. */
  terminate(): void {
    if (this.current !== CallState.Connected) return;
    this.hangUpB();
    this.hangUpA();
    this.ctx.log('call.ended', this.id, { by: 'sotto' });
    this.end(undefined, 'answered');
  }

  reject(status: number): void {
    this.rejected = true;
    if (!this.inviteTx.answered) this.inviteTx.respond(createResponse(this.invite, status, undefined, { toTag: this.aTag }));
    if (this.pendingOutcome !== undefined) this.settleHandOver(this.pendingOutcome);
  }

  answer(sdp: string, takeAnswer?: (answer: string) => Promise<void>, pressKey?: PressKey): LocalCallLeg | undefined {
    const leg = LocalLeg.answer(this, this.ctx, sdp, takeAnswer, pressKey);
    if (!leg) {
      this.settleHandOver('cancelled');
      return undefined;
    }
    this.answeredAt = Date.now();
    this.ctx.handedOver(this);
    void leg.ended.then(() => this.settleHandOver('voicemail'));
    return leg;
  }

  /**
   * BYE to the callee; to the caller. Max-Forwards 70, whatever the BYE or
   * CANCEL that caused it carried: the hop count passed on (RFC 7332 3) is
   * there to end loops, and a BYE in a dialog cannot loop (it follows the
   * dialog's route set to the phone); a proxy on that route answering 483
   * would leave the other phone up, with nothing to end its call.
   */
  private hangUpB(): void {
    if (this.bDialog && this.winner) void this.ctx.stack.request(this.bDialog.createRequest('BYE'), this.bDialog.destination);
  }

  private hangUpA(): void {
    if (this.aDialog) void this.ctx.stack.request(this.aDialog.createRequest('BYE'), this.aDialog.destination);
  }

  private noAnswer(): void {
    if (this.current !== CallState.Ringing) return;
    for (const f of this.forks) f.cancel();
    this.unavailable('no-answer');
  }

  /** The dialled extension does not exist in the practice: 404 (RFC 3261 21.4.5). */
  notFound(): void {
    this.ctx.log('call.not_found', this.id, {});
    this.end(404, 'failed');
  }

  /** A local service (the mailbox menu) takes the call before any phone rings; it answers or rejects it. */
  serveLocally(serve: (call: UnavailableCall) => void): void {
    this.ctx.log('call.local_service', this.id, {});
    this.handOver(() => serve(this), 'failed');
  }

  /** No one took the call: the hook decides (voicemail later; 480 by default). */
  unavailable(reason: UnavailableReason): void {
    // Already over (the caller cancelled while we looked the callee up): nobody to hand over.
    if (this.current === CallState.Ended) return;
    this.ctx.log('call.unavailable', this.id, { reason });
    this.stopRinging();
    this.handOver(() => this.ctx.onUnavailable(this, reason), UNAVAILABLE_OUTCOME[reason]);
  }

  /**
   * The call leaves the B2BUA for a local service (voicemail, the mailbox
   * menu), which answers or rejects it, often later (after a lookup). Its
   * record waits for that: `ifRefused` if the service rejects it,
   * "voicemail" with the answer and end times if it answers, "cancelled" if
   * the caller gave up first.
   */
  private handOver(serve: () => void, ifRefused: CallOutcome): void {
    try {
      serve();
    } finally {
      if (this.rejected) this.end(undefined, ifRefused);
      else {
        this.pendingOutcome = ifRefused;
        this.end(undefined, undefined);
        // Until the service answers or refuses, the caller may still CANCEL, or BYE its early dialog.
        if (this.pendingOutcome !== undefined) this.ctx.handingOver(this);
      }
    }
  }

  /** Writes the record of a handed-over call, once. */
  private settleHandOver(outcome: CallOutcome): void {
    if (this.pendingOutcome === undefined) return;
    this.pendingOutcome = undefined;
    this.ctx.handedOver(this);
    this.outcome = outcome;
    this.ctx.record(this);
  }

  private end(status: number | undefined, outcome: CallOutcome | undefined): void {
    if (this.current === CallState.Ended) return;
    this.moveTo(CallState.Ended);
    this.outcome = outcome;
    this.stopRinging();
    this.okRetransmit?.stop();
    this.midCall.end();
    if (status !== undefined) this.reject(status);
    if (this.relayed) this.ctx.relay.delete(this.id).catch(() => {});
    // The branches' transactions outlive the call by up to 64*T1 (RFC 6026): they must not keep it alive.
    for (const f of this.forks) f.detach();
    this.ctx.ended(this);
  }

  private stopRinging(): void {
    if (this.ringTimer) clearTimeout(this.ringTimer);
    this.ringTimer = undefined;
  }
}

/** What the caller experienced when nobody answered and the hook refused the call. */
const UNAVAILABLE_OUTCOME: Record<UnavailableReason, CallOutcome> = {
  busy: 'busy',
  'no-answer': 'no-answer',
  unregistered: 'no-answer',
  failed: 'failed',
};

/** RFC 3261 21.4.22, 21.6.1, 21.6.2: the callee is busy or declines. */
const isBusy = (status: number): boolean => status === 486 || status === 600 || status === 603;
