// The B2BUA for extension-to-extension calls, as a pipeline of small steps
// for a new INVITE: authenticate (407) -> route (the callee's bindings) ->
// ring (fork through the relay). In-dialog requests (BYE, ACK, re-INVITE,
// UPDATE, INFO: mid-call.ts) find their call by dialog id (RFC 3261 12.2.2); CANCEL by the INVITE it
// names (9.2). Logs carry call ids and status codes only.
import { randomBytes } from 'node:crypto';
import type { AddressBackoff } from '../../auth/index.ts';
import type { SipStack } from '../../sip/core/index.ts';
import { dialogKey } from '../../sip/dialog/index.ts';
import { createResponse, getCallId, getFrom, getTo, headerField, isSipUri, parseUri, type HeaderField, type SipRequest } from '../../sip/message/index.ts';
import { InviteServerTransaction, type NonInviteServerTransaction, type ServerTransaction } from '../../sip/transaction/index.ts';
import { withContactFallback, type Destination, type MessageSource, type TransportProtocol } from '../../sip/transport/index.ts';
import type { LocationStore } from '../registrar/location-store.ts';
import type { RegistrarDirectory } from '../registrar/registrar.ts';
import { AuthGate } from '../auth-gate.ts';
import { CallerAuthenticator } from './caller-auth.ts';
import { classifyDialled } from './dial-plan.ts';
import { checkCaller, planCallee } from './media-security.ts';
import { Call, type UnavailableCall, type UnavailableReason } from './call.ts';
import { hasSdp } from './call-media.ts';
import type { CallContext, CallMediaRelay } from './call-context.ts';
import type { LocalLeg } from './local-leg.ts';
import { retryAfter } from './mid-call.ts';
import type { CallRecordSink } from '../cdr/call-record.ts';
import { SOTTO_ALLOW } from '../uas-capabilities.ts';

/** A callee's call settings as the B2BUA reads them, per call. */
export interface CalleeCallSettings {
  doNotDisturb: boolean;
  ringTimeoutSeconds: number;
}

export interface B2buaLogger {
  info(fields: Record<string, unknown>, message: string): void;
}

export interface B2buaOptions {
  stack: SipStack;
  relay: CallMediaRelay;
  directory: RegistrarDirectory;
  locations: Pick<LocationStore, 'lookup'>;
  nonceSecret: Buffer;
  now: () => number;
  /** Our Contact (name-addr) in UDP legs, e.g. `<sip:10.0.0.5:5060>`. */
  contact: string;
  /** Our Contact for legs on TCP and TLS, e.g. `<sip:10.0.0.5:5061;transport=tls>`; default `contact`. */
  contacts?: Partial<Record<TransportProtocol, string>>;
  /** Our Contact toward the phone at `peer` (an IP), when it depends on the peer (wildcard bind); wins over `contact`/`contacts`. */
  contactToward?: (protocol: TransportProtocol, peer: string) => string;
  /** How long the callee's phones ring before onUnavailable('no-answer'), when the callee has no setting; default 20 s. */
  ringTimeoutMs?: number;
  /**
   * Read per call (so a change applies to the next call), in one read:
   * `requireSrtp`, the practice policy's switch (both legs on TLS with
   * SDES-SRTP, or no call); `callee`, the settings of the user behind the
   * extension: do-not-disturb sends the caller to onUnavailable('busy')
   * without ringing, the ring timeout replaces `ringTimeoutMs`; null when
   * the practice has no such extension (404). Without it: no SRTP
   * requirement, every extension rings for `ringTimeoutMs`.
   */
  readCall?: (practiceId: string, extension: string) => Promise<{ requireSrtp: boolean; callee: CalleeCallSettings | null }>;
  /** Where each finished call's detail record goes. */
  records?: CallRecordSink;
  t1Ms?: number;
  /** Busy, no answer, unregistered: the voicemail app takes the call here. Default: 480. */
  onUnavailable?: (call: UnavailableCall, reason: UnavailableReason) => void;
  /**
   * The mailbox menu (`*97`, or one's own extension: see dial-plan.ts); the
   * call is handed over unanswered, as to onUnavailable. Default: 404.
   */
  onMailbox?: (call: UnavailableCall, target: { own: boolean }) => void;
  logger?: B2buaLogger;
  /**
   * Failed caller authentication, per source address (failures only, as
   * the registrar's): password guessing through INVITE is refused with 403
   * before any digest work.
   */
  backoff?: AddressBackoff;
}

export const DEFAULT_RING_TIMEOUT_MS = 20_000;

interface LegRef {
  readonly call: Call;
  readonly leg: 'a' | 'b';
}

export class B2bua {
  /** Throttle, digest and their log lines for every new call's INVITE. */
  private readonly gate: AuthGate;
  /** Calls still ringing, by the caller's Call-ID and From tag (what a CANCEL carries). */
  private readonly ringing = new Map<string, Call>();
  /** Calls handed to voicemail or the mailbox menu, not answered yet, by the same key: the caller may still give up. */
  private readonly handingOver = new Map<string, Call>();
  /** Connected legs by dialog key (Call-ID + our tag). */
  private readonly dialogs = new Map<string, LegRef>();
  private readonly ctx: CallContext;
  /** Connected calls by id (the relay reports by id). */
  private readonly connectedCalls = new Map<string, Call>();
  /** Callers' legs Sotto answered itself (voicemail), by dialog key. */
  private readonly localLegs = new Map<string, LocalLeg>();
  private readonly stopInactive: (() => void) | undefined;
  /** The last request dialogKeyOf keyed, and its key. */
  private keyedRequest: SipRequest | undefined;
  private requestKey: string | undefined;

  constructor(private readonly o: B2buaOptions) {
    this.gate = new AuthGate({
      auth: new CallerAuthenticator({ directory: o.directory, nonceSecret: o.nonceSecret, now: o.now }),
      ...(o.backoff ? { backoff: o.backoff } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      now: o.now,
      events: { throttled: 'call.auth_throttled', refused: 'call.auth_refused', message: 'call' },
      logs: 'refusals',
    });
    const log = (event: string, callId: string, fields: Record<string, string | number>): void => o.logger?.info({ event, callId, ...fields }, 'call');
    const record = (call: Call): void => {
      if (!call.outcome) return;
      o.records?.record({
        id: call.id,
        practiceId: call.practiceId,
        callerExtension: call.caller.extension,
        callerNumberRef: null,
        calleeExtension: call.calleeExtension,
        startedAt: call.startedAt,
        answeredAt: call.answeredAt,
        endedAt: Date.now(),
        outcome: call.outcome,
      });
    };
    this.ctx = {
      stack: o.stack,
      relay: o.relay,
      contactFor: o.contactToward ?? ((protocol) => o.contacts?.[protocol] ?? o.contact),
      ringTimeoutMs: o.ringTimeoutMs ?? DEFAULT_RING_TIMEOUT_MS,
      t1Ms: o.t1Ms ?? 500,
      onUnavailable: o.onUnavailable ?? ((call) => call.reject(480)),
      answered: (call) => {
        if (call.bDialog) this.dialogs.set(call.bDialog.key, { call, leg: 'b' });
      },
      connected: (call) => {
        this.ringing.delete(call.ringingKey);
        if (call.aDialog) this.dialogs.set(call.aDialog.key, { call, leg: 'a' });
        if (call.bDialog) this.dialogs.set(call.bDialog.key, { call, leg: 'b' });
        this.connectedCalls.set(call.id, call);
      },
      ended: (call) => {
        this.ringing.delete(call.ringingKey);
        if (call.aDialog) this.dialogs.delete(call.aDialog.key);
        if (call.bDialog) this.dialogs.delete(call.bDialog.key);
        this.connectedCalls.delete(call.id);
        if (call.outcome) record(call);
      },
      record: (call) => record(call),
      handingOver: (call) => void this.handingOver.set(call.ringingKey, call),
      handedOver: (call) => void (this.handingOver.get(call.ringingKey) === call && this.handingOver.delete(call.ringingKey)),
      localAnswered: (leg) => void this.localLegs.set(leg.dialog.key, leg),
      localEnded: (leg) => void this.localLegs.delete(leg.dialog.key),
      log,
    };
    // No call stays up forever: a call whose media stopped both ways (a phone
    // lost power, a NAT binding expired) is hung up on both legs.
    // A call on hold has a longer window (the relay's holdInactivityTimeoutMs); idleMs tells which ended it.
    this.stopInactive = o.relay.onInactive?.((callId, idleMs) => {
      const call = this.connectedCalls.get(callId);
      if (!call) return;
      log('call.media_inactive', callId, { idleMs });
      call.terminate();
    });
  }

  /**
   * Stops listening to the relay (shutdown) and writes the call records still
   * pending; resolves once they are written. Calls in progress are left to the
   * stack's close: close after it, so the records of the calls it ends are written too.
   */
  close(): Promise<void> {
    this.stopInactive?.();
    return this.o.records?.close?.() ?? Promise.resolve();
  }

  /** Calls ringing or connected (tests, health). */
  get activeCalls(): number {
    return new Set([...this.ringing.values(), ...[...this.dialogs.values()].map((l) => l.call)]).size + this.localLegs.size;
  }

  /**
   * Whether a new request is this handler's: INVITE, the methods only a call
   * has (BYE, INFO, UPDATE), and anything inside a call's dialog, early
   * (our 180/183 to the caller) or confirmed.
   */
  takes(request: SipRequest): boolean {
    return CALL_METHODS.has(request.method) || this.findDialog(request) !== undefined || this.findLocalLeg(request) !== undefined || this.findEarlyCall(request) !== undefined;
  }

  onRequest(tx: ServerTransaction, request: SipRequest, source: MessageSource): void {
    if (getTo(request)?.tag !== undefined) return this.inDialog(tx, request);
    if (request.method !== 'INVITE' || !(tx instanceof InviteServerTransaction)) return void tx.respond(createResponse(request, 481));
    this.newCall(tx, request, source).catch(() => {
      if (!tx.answered) tx.respond(createResponse(request, 500));
    });
  }

  /** The ACK of a 2xx whose INVITE transaction has ended (RFC 3261 13.3.1.4). */
  onAck(ack: SipRequest): void {
    this.findLocalLeg(ack)?.acked(ack);
    const ref = this.findDialog(ack);
    ref?.call.acked(ref.leg, ack);
  }

  /** CANCEL of a ringing call (RFC 3261 9.2): 200 to the CANCEL, then 487 to the INVITE. */
  onCancel(cancelTx: NonInviteServerTransaction, invite: InviteServerTransaction, cancel: SipRequest): void {
    cancelTx.respond(createResponse(cancel, 200));
    const key = ringingKey(invite.request);
    const call = this.ringing.get(key);
    const handedOver = this.handingOver.get(key);
    if (call) call.cancelByCaller();
    else if (handedOver) handedOver.abandonHandOver();
    else if (!invite.answered) invite.respond(createResponse(invite.request, 487));
  }

  // ------------------------------------------------------------ new calls

  private async newCall(tx: InviteServerTransaction, request: SipRequest, source: MessageSource): Promise<void> {
    const caller = await this.gate.admit(tx, request, source);
    if (!caller) return;
    const callee = isSipUri(request.uri) ? request.uri.user : undefined;
    if (callee === undefined) return void tx.respond(createResponse(request, 404));

    const reading = await this.o.readCall?.(caller.practiceId, callee);
    const requireSrtp = reading?.requireSrtp ?? false;
    // No offer (RFC 3261 13.2.1): ours goes in the 2xx, the answer comes in the ACK (call-media.ts).
    const refusal = checkCaller(source.protocol, hasSdp(request) ? request.body.toString('utf8') : undefined, requireSrtp);
    if (refusal) {
      this.o.logger?.info({ event: 'call.media_refused', code: refusal }, 'call');
      const why = refusal === 'CALL_SRTP_REQUIRED' ? 'SRTP over TLS required' : 'SRTP keys sent over unencrypted signalling';
      return void tx.respond(createResponse(request, 488, undefined, { headers: [headerField('Warning', `399 sotto "${why}"`)] }));
    }
    // The caller gave up (CANCEL, answered 487) while the checks above were awaited: nothing to ring.
    if (tx.answered) return;

    const id = newCallId();
    const destination: Destination = { protocol: source.protocol, address: source.address, port: source.port, ...(source.connectionId ? { connectionId: source.connectionId } : {}) };
    const call = new Call(id, caller, callee, request, tx, destination, this.ctx);
    call.ringingKey = ringingKey(request);
    this.ringing.set(call.ringingKey, call);
    this.o.logger?.info({ event: 'call.started', callId: id, deviceId: caller.deviceId }, 'call');

    const dialled = classifyDialled(callee, caller.extension);
    if (dialled.kind === 'mailbox') {
      const onMailbox = this.o.onMailbox ?? ((c: UnavailableCall) => c.reject(404));
      return call.serveLocally((c) => onMailbox(c, { own: dialled.own }));
    }

    const settings = reading?.callee;
    // RFC 3261 21.4.5: no such user here. Not voicemail: there is no box to leave a message in.
    if (settings === null) return call.notFound();
    if (settings?.doNotDisturb) {
      this.o.logger?.info({ event: 'call.dnd', callId: id }, 'call');
      return call.unavailable('busy');
    }
    const now = this.o.now();
    const targets = (await this.o.locations.lookup(`${caller.practiceId}:${callee}`))
      .filter((b) => b.expiresAt > now)
      .flatMap((b) => {
        const uri = parseUri(b.contact);
        const protocol = b.source.transport.toUpperCase() as TransportProtocol;
        // Requests to a phone go back along the flow it registered from (NAT), not to its Contact host;
        // over TCP/TLS, once that connection is gone (a restart), a new one goes to its Contact.
        if (!uri.ok || !this.o.stack.transport(protocol)) return [];
        return [{ uri: uri.value, destination: withContactFallback({ protocol, address: b.source.address, port: b.source.port }, uri.value) }];
      });
    // Policy may leave only the phones on TLS; keys go only to phones on TLS.
    const plan = planCallee(targets.map((t) => t.destination.protocol), requireSrtp);
    const chosen = plan.targets.map((i) => targets[i]!);
    if (chosen.length === 0) return call.unavailable('unregistered');
    await call.ring(chosen, settings ? settings.ringTimeoutSeconds * 1000 : undefined, { srtp: plan.towardCallee, requireSrtp });
  }

  // ------------------------------------------------------------ in-dialog

  private inDialog(tx: ServerTransaction, request: SipRequest): void {
    // RFC 3261 21.5.2: a method we do not implement in a dialog (REFER, PRACK …): 501, naming those we do.
    const respond = (status: number, headers: readonly HeaderField[] = []): void =>
      void tx.respond(createResponse(request, status, undefined, { headers: status === 501 ? [SOTTO_ALLOW, ...headers] : [...headers] }));
    const local = this.findLocalLeg(request);
    if (local) return local.onRequest(request, respond);
    const ref = this.findDialog(request);
    const dialog = ref && (ref.leg === 'a' ? ref.call.aDialog : ref.call.bDialog);
    if (!ref || !dialog) return this.inEarlyDialog(request, respond);
    if (dialog.receiveRequest(request) === 'out-of-order') return respond(500);
    if (request.method === 'BYE') {
      respond(200);
      ref.call.hangUp(ref.leg);
      return;
    }
    if (!ref.call.inDialog(ref.leg, tx, request)) respond(501);
  }

  /**
   * A request in the early dialog of our 180/183 to the caller (its To tag
   * is the call's), while the callee's phones ring, while the callee's
   * answer is being passed on, or while voicemail is still to answer.
   */
  private inEarlyDialog(request: SipRequest, respond: (status: number, headers?: readonly HeaderField[]) => void): void {
    const early = this.findEarlyCall(request);
    // RFC 3261 12.2.2: a request for a dialog we do not know gets 481.
    if (!early) return respond(481);
    // RFC 3311 5.2: a refresh is taken (our Contact in the 2xx); an offer is refused for now, below.
    if (request.method === 'UPDATE' && request.body.length === 0) return respond(200, [headerField('Contact', early.aContact)]);
    switch (request.method) {
      case 'BYE':
        // RFC 3261 15: the caller may end the early dialog with BYE: 200, then as for a CANCEL (15.1.2: 487 to the INVITE).
        respond(200);
        if (this.ringing.get(early.ringingKey) === early) return early.cancelByCaller();
        return early.abandonHandOver();
      case 'INVITE':
      case 'UPDATE':
      case 'INFO':
        // RFC 3311 5.2, RFC 3261 14.2: a new offer while the INVITE's still waits for its answer (in our 2xx)
        // gets 500 with Retry-After (0-10 s). So does an INFO: Sotto passes INFO on only in a confirmed dialog
        // (RFC 6086 allows it in an early one only with reliable provisionals, which Sotto does not use). A 481
        // would end the dialog at the phone (RFC 5057), and with it the call being set up.
        return respond(500, [retryAfter()]);
      case 'PRACK':
        // RFC 3262 3: a PRACK that matches no unacknowledged reliable provisional gets 481; Sotto sends none.
        return respond(481);
      default:
        // RFC 3261 21.5.2: a method Sotto does not handle in a call (REFER, MESSAGE, NOTIFY …): 501 with Allow,
        // as in the confirmed dialog. Not 500: trying again later would get the same answer.
        return respond(501);
    }
  }

  /** The call whose early dialog with the caller (our 180/183, its To tag the call's) `request` is in. */
  private findEarlyCall(request: SipRequest): Call | undefined {
    const key = ringingKey(request);
    const early = this.ringing.get(key) ?? this.handingOver.get(key);
    return early && getTo(request)?.tag === early.aTag ? early : undefined;
  }

  private findDialog(request: SipRequest): LegRef | undefined {
    const key = this.dialogKeyOf(request);
    return key === undefined ? undefined : this.dialogs.get(key);
  }

  private findLocalLeg(request: SipRequest): LocalLeg | undefined {
    const key = this.dialogKeyOf(request);
    return key === undefined ? undefined : this.localLegs.get(key);
  }

  /**
   * The dialog a request names (Call-ID and our tag, in its To), for the
   * request last asked about: takes() and then onRequest() or onAck() look
   * the same request up in both maps, and messages are not changed after
   * parsing.
   */
  private dialogKeyOf(request: SipRequest): string | undefined {
    if (this.keyedRequest !== request) {
      const callId = getCallId(request);
      const tag = getTo(request)?.tag;
      this.keyedRequest = request;
      this.requestKey = callId && tag ? dialogKey(callId, tag) : undefined;
    }
    return this.requestKey;
  }
}

/** Random bytes for call ids, drawn 256 at a time: one call to the CSPRNG per 32 calls instead of one per call. */
let idPool = Buffer.alloc(0);
let idAt = 0;

/**
 * The call's id in logs, records and the relay: the time in ms (12 hex
 * digits), then 16 hex digits from the CSPRNG. Time first, so each call
 * record's primary-key entry goes at the right edge of its index, beside
 * the previous call's, not into a random leaf page: a batch of records
 * dirties a page or two instead of one per record (each written to the WAL,
 * then checkpointed), and none has to be read back from disk once the index
 * outgrows SQLite's cache. The random part keeps ids unguessable and unique.
 */
function newCallId(): string {
  if (idAt + 8 > idPool.length) {
    idPool = randomBytes(256);
    idAt = 0;
  }
  idAt += 8;
  return `${Date.now().toString(16).padStart(12, '0')}${idPool.toString('hex', idAt - 8, idAt)}`;
}

/** Requests that exist only in a call: one with no dialog of ours gets 481 here (RFC 3261 12.2.2), not 405. */
const CALL_METHODS: ReadonlySet<string> = new Set(['INVITE', 'BYE', 'INFO', 'UPDATE']);

function ringingKey(invite: SipRequest): string {
  return `${getCallId(invite) ?? ''}\u0000${getFrom(invite)?.tag ?? ''}`;
}
