// The message-waiting indicator (RFC 3842 over RFC 6665): phones SUBSCRIBE
// to their own extension's voicemail box and get a NOTIFY whenever its
// counts change. A SUBSCRIBE goes through the same steps as a call:
//   throttle -> authenticate (digest, 401; the registrar's credentials) ->
//   authorise (a device watches only its own extension's box, else 403) ->
//   find the box (404) -> subscribe (sip/event: 200, immediate NOTIFY).
// Refreshes and unsubscribes inside the dialog go straight to the notifier.
//
// Subscriptions live in memory only: phones refresh them within their
// Expires and re-subscribe after a restart, and a lost lamp state is
// corrected by the next NOTIFY. Logs carry ids and codes, never URIs.
import type { AddressBackoff } from '../../auth/index.ts';
import type { SipStack } from '../../sip/core/index.ts';
import { EventNotifier, type NotifierSubscription, type SubscriptionEnd } from '../../sip/event/index.ts';
import { createResponse, getHeader, getTo, headerField, isSipUri, type SipRequest } from '../../sip/message/index.ts';
import { systemClock, type Clock, type ServerTransaction } from '../../sip/transaction/index.ts';
import type { MessageSource, TransportProtocol } from '../../sip/transport/index.ts';
import type { Caller, CallerAuthOutcome } from '../calls/caller-auth.ts';
import type { MwiBoxDirectory } from './box-directory.ts';
import { formatMessageSummary, mailboxAccount, MESSAGE_SUMMARY_CONTENT_TYPE, MESSAGE_SUMMARY_DEFAULT_EXPIRES } from './message-summary.ts';

export const MWI_EVENT_PACKAGE = 'message-summary';

/** What MWI reads of the message store (structurally the voicemail store's MailboxAccess). */
export interface MwiMailbox {
  counts(boxId: string): Promise<{ newMessages: number; oldMessages: number }>;
  onChange(listener: (boxId: string) => void): () => void;
}

export interface MwiLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MwiServiceOptions {
  stack: Pick<SipStack, 'sendRequest'>;
  /** Digest authentication of the SUBSCRIBE: CallerAuthenticator built with `proxy: false`. */
  auth: { authenticate(request: SipRequest): Promise<CallerAuthOutcome> };
  boxes: MwiBoxDirectory;
  /** Our Contact (name-addr) in the 200 and every NOTIFY. */
  contact: string;
  /** Our Contact per transport (TCP, TLS); default `contact`. */
  contacts?: Partial<Record<TransportProtocol, string>>;
  /** Failed authentication per source address (failures only), as for INVITE. */
  backoff?: AddressBackoff;
  clock?: Clock;
  minExpires?: number;
  maxExpires?: number;
  logger?: MwiLogger;
}

interface WatchedBox {
  readonly account: string;
}

export class MwiService {
  private readonly notifier: EventNotifier;
  /** Per box with subscribers, what its NOTIFY body names. */
  private readonly watched = new Map<string, WatchedBox>();
  private mailbox: MwiMailbox | undefined;
  private readonly endListeners = new Set<(boxId: string, end: SubscriptionEnd) => void>();
  /** Subscriptions by the device that made them, so a disabled device's end at once. */
  private readonly byDevice = new Map<string, Set<NotifierSubscription>>();
  private stopListening: (() => void) | undefined;

  constructor(private readonly o: MwiServiceOptions) {
    this.notifier = new EventNotifier({
      eventPackage: MWI_EVENT_PACKAGE,
      contact: o.contact,
      ...(o.contacts ? { contacts: o.contacts } : {}),
      clock: o.clock ?? systemClock,
      send: (request, destination, user) => o.stack.sendRequest(request, destination, user),
      content: (boxId) => this.content(boxId),
      defaultExpires: MESSAGE_SUMMARY_DEFAULT_EXPIRES,
      minExpires: o.minExpires ?? 60,
      maxExpires: o.maxExpires ?? MESSAGE_SUMMARY_DEFAULT_EXPIRES,
      onEnded: (boxId, end) => this.ended(boxId, end),
    });
  }

  /**
   * Connects the message store: counts come from it, and every change it
   * reports re-NOTIFIES the box's subscribers. Until then boxes read 0/0.
   * Returns a function that disconnects it.
   */
  useMailbox(mailbox: MwiMailbox): () => void {
    this.stopListening?.();
    this.mailbox = mailbox;
    const stop = mailbox.onChange((boxId) => void this.boxChanged(boxId));
    this.stopListening = stop;
    return () => {
      stop();
      if (this.mailbox === mailbox) this.mailbox = undefined;
    };
  }

  /** Told whenever a subscription ends (expiry, unsubscribe, a failed NOTIFY). */
  onSubscriptionEnded(listener: (boxId: string, end: SubscriptionEnd) => void): () => void {
    this.endListeners.add(listener);
    return () => this.endListeners.delete(listener);
  }

  /** Active subscriptions (tests, health). */
  get subscriptions(): number {
    return this.notifier.size;
  }

  /** Re-counts the box and NOTIFIES each of its subscriptions. Resolves with how many were told. */
  boxChanged(boxId: string): Promise<number> {
    return Promise.resolve(this.notifier.notify(boxId));
  }

  /** Whether a request is this service's: every SUBSCRIBE (other packages get 489 here). */
  takes(request: SipRequest): boolean {
    return request.method === 'SUBSCRIBE';
  }

  handle(tx: ServerTransaction, request: SipRequest, source: MessageSource): void {
    if (!this.notifier.servesEvent(request)) {
      // RFC 6665 8.3.2: 489 Bad Event names the packages we do serve.
      return void tx.respond(createResponse(request, 489, 'Bad Event', { headers: [headerField('Allow-Events', MWI_EVENT_PACKAGE)] }));
    }
    const kind = this.notifier.classify(request);
    if (kind === 'refresh') {
      // A refresh keeps PHI-adjacent counts flowing, so it is authenticated like a new SUBSCRIBE: a
      // device disabled elsewhere (the CLI, another node) stops at its next refresh. Ending one
      // (Expires: 0) needs no credentials.
      if (expiresOf(request) === 0) return this.notifier.refresh(tx, request);
      return void this.authenticated(tx, request, source)
        .then((caller) => {
          if (caller) this.notifier.refresh(tx, request);
        })
        .catch((err: unknown) => {
          this.o.logger?.warn({ event: 'mwi.refresh_failed', error: err instanceof Error ? err.name : 'unknown' }, 'mwi');
          if (!tx.answered) tx.respond(createResponse(request, 500));
        });
    }
    if (kind === 'unknown-dialog') return void tx.respond(createResponse(request, 481));
    this.subscribe(tx, request, source).catch((err: unknown) => {
      this.o.logger?.warn({ event: 'mwi.subscribe_failed', error: err instanceof Error ? err.name : 'unknown' }, 'mwi');
      if (!tx.answered) tx.respond(createResponse(request, 500));
    });
  }

  /**
   * Ends the subscriptions of disabled devices (or a disabled user's) with a
   * final NOTIFY, reason "rejected" (RFC 6665 4.1.3: do not retry).
   */
  removeDevices(deviceIds: readonly string[]): void {
    for (const id of deviceIds) {
      const subs = this.byDevice.get(id);
      this.byDevice.delete(id);
      for (const s of subs ?? []) s.terminate('rejected');
    }
  }

  /** Shutdown: subscriptions are forgotten (phones re-subscribe). */
  close(): void {
    this.stopListening?.();
    this.notifier.close();
  }

  /** Throttle, then digest: the caller, or undefined once the request has been answered (403, 401). */
  private async authenticated(tx: ServerTransaction, request: SipRequest, source: MessageSource): Promise<Caller | undefined> {
    const gate = this.o.backoff?.check(source.address);
    if (gate && !gate.allowed) {
      this.o.logger?.info({ event: 'mwi.auth_throttled' }, 'mwi');
      tx.respond(createResponse(request, 403, undefined, { headers: [headerField('Retry-After', String(Math.ceil(gate.retryAfterMs / 1000)))] }));
      return undefined;
    }
    const authed = await this.o.auth.authenticate(request);
    if (!authed.ok) {
      if (authed.countsAsFailure) this.o.backoff?.recordFailure(source.address);
      if (authed.countsAsFailure) this.o.logger?.info({ event: 'mwi.auth_refused', code: authed.code }, 'mwi');
      tx.respond(createResponse(request, authed.status, undefined, { headers: authed.headers }));
      return undefined;
    }
    return authed.caller;
  }

  private async subscribe(tx: ServerTransaction, request: SipRequest, source: MessageSource): Promise<void> {
    const caller = await this.authenticated(tx, request, source);
    if (!caller) return;
    // The box named: the To user (RFC 6665: the subscribed resource), else the Request-URI's user.
    const to = getTo(request);
    const named = to && isSipUri(to.uri) && to.uri.user !== undefined ? to.uri.user : isSipUri(request.uri) ? request.uri.user : undefined;
    if (named !== caller.extension) {
      this.o.logger?.warn({ event: 'mwi.foreign_box', deviceId: caller.deviceId }, 'mwi');
      return void tx.respond(createResponse(request, 403, 'Forbidden'));
    }
    const box = await this.o.boxes.boxForExtension(caller.practiceId, caller.extension);
    if (!box) return void tx.respond(createResponse(request, 404, 'No Voicemail Box'));
    this.watched.set(box.boxId, { account: mailboxAccount(box.extension, caller.realm) });
    const sub = this.notifier.subscribe(tx, request, source, box.boxId);
    if (sub) {
      let set = this.byDevice.get(caller.deviceId);
      if (!set) this.byDevice.set(caller.deviceId, (set = new Set()));
      set.add(sub);
      this.o.logger?.info({ event: 'mwi.subscribed', deviceId: caller.deviceId, boxId: box.boxId }, 'mwi');
    }
    // A fetch (Expires: 0) still owes its final NOTIFY, whose body names the account: the entry goes
    // when the box's last subscription has ended (ended() below), not here. At most one per box.
  }

  private async content(boxId: string): Promise<{ contentType: string; body: Buffer }> {
    const counts = this.mailbox ? await this.mailbox.counts(boxId) : { newMessages: 0, oldMessages: 0 };
    const account = this.watched.get(boxId)?.account ?? 'sip:voicemail@invalid';
    return { contentType: MESSAGE_SUMMARY_CONTENT_TYPE, body: formatMessageSummary({ account, ...counts }) };
  }

  private ended(boxId: string, end: SubscriptionEnd): void {
    for (const [device, subs] of this.byDevice) {
      for (const sub of subs) if (sub.state === 'terminated') subs.delete(sub);
      if (subs.size === 0) this.byDevice.delete(device);
    }
    if (this.notifier.subscriptionsOf(boxId).length === 0) this.watched.delete(boxId);
    this.o.logger?.info({ event: 'mwi.ended', boxId, ...(end.kind === 'terminated' ? { reason: end.reason } : { status: end.status }) }, 'mwi');
    for (const l of this.endListeners) l(boxId, end);
  }
}

function expiresOf(request: SipRequest): number | undefined {
  const value = getHeader(request.headers, 'expires');
  return value === undefined ? undefined : Number(value.trim());
}
