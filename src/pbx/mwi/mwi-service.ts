// The message-waiting indicator (RFC 3842 over RFC 6665): phones SUBSCRIBE
// to their own extension's voicemail box and get a NOTIFY whenever its
// counts change. A SUBSCRIBE goes through the same steps as a call:
//   throttle -> authenticate (digest, 401; the registrar's credentials) ->
//   authorise (a device watches only its own extension's box, else 403) ->
//   find the box (404) -> subscribe (sip/event: 200, immediate NOTIFY).
// Refreshes and unsubscribes inside the dialog are authenticated too, then go to the notifier.
//
// Accepted subscriptions are kept in the database too (subscription-store.ts):
// a phone believes its subscription active until its Expires (an hour,
// typically) and does not re-subscribe after our restart, so restore() brings
// them back in their dialogs and the lamp follows the box again at once.
// Logs carry ids and codes, never URIs.
import type { AddressBackoff } from '../../auth/index.ts';
import type { SipStack } from '../../sip/core/index.ts';
import { dialogKey } from '../../sip/dialog/index.ts';
import { EventNotifier, storeDialog, type NotifierSubscription, type SubscriptionEnd } from '../../sip/event/index.ts';
import { createResponse, getCallId, getCSeq, getFrom, getTo, headerField, isSipUri, type SipRequest } from '../../sip/message/index.ts';
import { systemClock, type Clock, type ServerTransaction } from '../../sip/transaction/index.ts';
import type { MessageSource, TransportProtocol } from '../../sip/transport/index.ts';
import { AuthGate } from '../auth-gate.ts';
import type { CallerAuthOutcome } from '../calls/caller-auth.ts';
import type { MwiBoxDirectory } from './box-directory.ts';
import { CSEQ_BLOCK, RESERVE_AHEAD, type MwiSubscriptionStore } from './subscription-store.ts';
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
  /** Our Contact toward the phone at `peer` (an IP), when it depends on the peer (wildcard bind); wins over the two above. */
  contactToward?: (protocol: TransportProtocol, peer: string) => string;
  /** Failed authentication per source address (failures only), as for INVITE. */
  backoff?: AddressBackoff;
  clock?: Clock;
  minExpires?: number;
  maxExpires?: number;
  logger?: MwiLogger;
  /** Keeps subscriptions across restarts; without it they live in memory only. */
  store?: MwiSubscriptionStore;
}

interface WatchedBox {
  readonly account: string;
  /** The counts its last NOTIFY carried (summaryKey), for resync(). */
  told: string | undefined;
}

/** What a kept subscription's row holds beyond its dialog. */
interface KeptSubscription {
  readonly practiceId: string;
  readonly deviceId: string;
  readonly boxId: string;
  readonly account: string;
  cseqReserved: number;
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
  /** Subscriptions with a database row, by dialog key. */
  private readonly kept = new Map<string, KeptSubscription>();
  /** Database writes, one at a time in order (a delete never overtakes the insert it undoes). */
  private writes: Promise<void> = Promise.resolve();
  private closing = false;
  /** Throttle, digest and their log lines for every SUBSCRIBE and refresh. */
  private readonly gate: AuthGate;

  constructor(private readonly o: MwiServiceOptions) {
    const clock = o.clock ?? systemClock;
    this.gate = new AuthGate({
      auth: o.auth,
      ...(o.backoff ? { backoff: o.backoff } : {}),
      ...(o.logger ? { logger: o.logger } : {}),
      now: () => clock.now(),
      events: { throttled: 'mwi.auth_throttled', refused: 'mwi.auth_refused', message: 'mwi' },
      // As before the gate was shared: a phone resending a stale nonce on its hourly refresh is no refusal worth a line.
      logs: 'failures',
    });
    this.notifier = new EventNotifier({
      eventPackage: MWI_EVENT_PACKAGE,
      contact: o.contact,
      ...(o.contacts ? { contacts: o.contacts } : {}),
      ...(o.contactToward ? { contactToward: o.contactToward } : {}),
      clock: o.clock ?? systemClock,
      send: (request, destination, user) => {
        this.sending(request);
        return o.stack.sendRequest(request, destination, user);
      },
      content: (boxId) => this.content(boxId),
      contentType: MESSAGE_SUMMARY_CONTENT_TYPE,
      defaultExpires: MESSAGE_SUMMARY_DEFAULT_EXPIRES,
      minExpires: o.minExpires ?? 60,
      maxExpires: o.maxExpires ?? MESSAGE_SUMMARY_DEFAULT_EXPIRES,
      onEnded: (boxId, end, sub) => this.ended(boxId, end, sub),
      onActive: (sub) => this.keep(sub),
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
    // Subscriptions restored before the store was connected have not been told their box's state.
    for (const boxId of this.watched.keys()) void this.boxChanged(boxId);
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

  /**
   * Re-reads the counts of every box with subscribers and NOTIFIES those
   * whose counts differ from what their last NOTIFY said: for changes this
   * process was not told of, such as the CLI (another process) deleting or
   * marking a message. Resolves to the number of boxes notified.
   */
  async resync(): Promise<number> {
    const mailbox = this.mailbox;
    if (!mailbox) return 0;
    let notified = 0;
    for (const boxId of [...this.watched.keys()]) {
      const counts = await mailbox.counts(boxId);
      // Disconnected meanwhile (shutdown): a NOTIFY now would read 0/0 and put the lamp out.
      if (this.mailbox !== mailbox) return notified;
      const watched = this.watched.get(boxId);
      if (!watched || watched.told === summaryKey(counts)) continue;
      notified++;
      this.notifier.notify(boxId);
    }
    return notified;
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
      // (Expires: 0) too: whoever saw the dialog's ids go by must not put a phone's lamp out, and
      // that includes another phone with credentials of its own: only the device that made the
      // subscription may refresh or end it (403 to any other).
      return void this.gate.admit(tx, request, source)
        .then((caller) => {
          if (!caller) return;
          const sub = this.notifier.subscriptionFor(request);
          if (!sub || !this.byDevice.get(caller.deviceId)?.has(sub)) return void tx.respond(createResponse(request, 403));
          this.notifier.refresh(tx, request);
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
      // Also a row not in memory (its restore failed): it must not come back at the next start.
      const store = this.o.store;
      if (store) this.write('remove-device', () => store.removeDevice(id));
    }
  }

  /**
   * Brings back the subscriptions kept in the database that are still
   * running (their device and user active), in their dialogs. Once the
   * mailbox is connected each gets a NOTIFY of its box's state (RFC 6665
   * allows one at any time in an active subscription): the lamp is right
   * again after the downtime. Resolves with how many came back.
   */
  async restore(): Promise<number> {
    const store = this.o.store;
    if (!store) return 0;
    const clock = this.o.clock ?? systemClock;
    let restored = 0;
    for (const row of await store.loadActive(Date.now())) {
      // The row's expiry is wall-clock; the notifier's timers run on its clock.
      const expiresAtMs = clock.now() + (row.expiresAt - Date.now());
      const event = { package: MWI_EVENT_PACKAGE, ...(row.eventId !== undefined ? { id: row.eventId } : {}) };
      // Before any NOTIFY: reserve the next block, so a crash right after this one also continues above it.
      const cseqReserved = row.cseqReserved + CSEQ_BLOCK;
      await store.reserve(row.dialog.callId, row.dialog.localTag, cseqReserved);
      const sub = this.notifier.restore(row.dialog, event, row.boxId, expiresAtMs);
      if (!sub) {
        await store.remove(row.dialog.callId, row.dialog.localTag);
        continue;
      }
      this.kept.set(sub.key, { practiceId: row.practiceId, deviceId: row.deviceId, boxId: row.boxId, account: row.account, cseqReserved });
      this.watch(row.boxId, row.account);
      this.addDevice(row.deviceId, sub);
      restored++;
      this.o.logger?.info({ event: 'mwi.restored', deviceId: row.deviceId, boxId: row.boxId }, 'mwi');
      if (this.mailbox) sub.changed();
    }
    return restored;
  }

  /**
   * Shutdown: subscriptions end here without NOTIFY and their rows stay, so
   * the next start restores them. Resolves once pending writes are done.
   */
  async close(): Promise<void> {
    this.closing = true;
    this.stopListening?.();
    this.notifier.close();
    await this.writes;
  }

  private async subscribe(tx: ServerTransaction, request: SipRequest, source: MessageSource): Promise<void> {
    const caller = await this.gate.admit(tx, request, source);
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
    this.watch(box.boxId, mailboxAccount(box.extension, caller.realm));
    const sub = this.notifier.subscribe(tx, request, source, box.boxId);
    if (sub) {
      this.addDevice(caller.deviceId, sub);
      // Written before its first NOTIFY goes out (the body is read asynchronously), so that NOTIFY
      // already falls inside the reserved block.
      if (this.o.store) {
        const account = mailboxAccount(box.extension, caller.realm);
        this.kept.set(sub.key, { practiceId: caller.practiceId, deviceId: caller.deviceId, boxId: box.boxId, account, cseqReserved: sub.dialog.localSeq + CSEQ_BLOCK });
        this.keep(sub);
      }
      this.o.logger?.info({ event: 'mwi.subscribed', deviceId: caller.deviceId, boxId: box.boxId }, 'mwi');
    }
    // A fetch (Expires: 0) still owes its final NOTIFY, whose body names the account: the entry goes
    // when the box's last subscription has ended (ended() below), not here. At most one per box.
  }

  private addDevice(deviceId: string, sub: NotifierSubscription): void {
    let set = this.byDevice.get(deviceId);
    if (!set) this.byDevice.set(deviceId, (set = new Set()));
    set.add(sub);
  }

  /**
   * Accepted or refreshed: its row written (new expiry, the subscriber's
   * CSeq). The notifier also calls this for a new subscription, before
   * subscribe() above has recorded it; that one is written from there.
   */
  private keep(sub: NotifierSubscription): void {
    const store = this.o.store;
    const kept = this.kept.get(sub.key);
    if (!store || !kept) return;
    const clock = this.o.clock ?? systemClock;
    const row = {
      dialog: storeDialog(sub.dialog),
      practiceId: kept.practiceId,
      deviceId: kept.deviceId,
      boxId: kept.boxId,
      account: kept.account,
      eventId: sub.event.id,
      expiresAt: Date.now() + (sub.expiresAtMs - clock.now()),
      cseqReserved: kept.cseqReserved,
    };
    this.write('save', () => store.save(row));
  }

  /** A NOTIFY about to go out: extends its dialog's CSeq reservation well before it is reached. */
  private sending(request: SipRequest): void {
    const store = this.o.store;
    const callId = getCallId(request);
    const tag = getFrom(request)?.tag;
    const seq = getCSeq(request)?.seq;
    if (!store || callId === undefined || tag === undefined || seq === undefined) return;
    const kept = this.kept.get(dialogKey(callId, tag));
    if (!kept || seq + RESERVE_AHEAD < kept.cseqReserved) return;
    kept.cseqReserved = seq + CSEQ_BLOCK;
    const reserved = kept.cseqReserved;
    this.write('reserve', () => store.reserve(callId, tag, reserved));
  }

  private write(op: string, run: () => Promise<void>): void {
    this.writes = this.writes.then(run).catch((err: unknown) => {
      this.o.logger?.warn({ event: 'mwi.store_failed', op, error: err instanceof Error ? err.name : 'unknown' }, 'mwi');
    });
  }

  /** A box has a subscriber: what its NOTIFY names, and (if it had one) what its last NOTIFY said. */
  private watch(boxId: string, account: string): void {
    this.watched.set(boxId, { account, told: this.watched.get(boxId)?.told });
  }

  private async content(boxId: string): Promise<{ contentType: string; body: Buffer }> {
    const counts = this.mailbox ? await this.mailbox.counts(boxId) : { newMessages: 0, oldMessages: 0 };
    const watched = this.watched.get(boxId);
    if (watched) watched.told = summaryKey(counts);
    const account = watched?.account ?? 'sip:voicemail@invalid';
    return { contentType: MESSAGE_SUMMARY_CONTENT_TYPE, body: formatMessageSummary({ account, ...counts }) };
  }

  private ended(boxId: string, end: SubscriptionEnd, sub: NotifierSubscription): void {
    // Shutdown keeps the row (restored at the next start); any other end deletes it.
    const store = this.o.store;
    if (this.kept.delete(sub.key) && store && !this.closing) {
      const { callId, localTag } = sub.dialog;
      this.write('remove', () => store.remove(callId, localTag));
    }
    for (const [device, subs] of this.byDevice) {
      for (const sub of subs) if (sub.state === 'terminated') subs.delete(sub);
      if (subs.size === 0) this.byDevice.delete(device);
    }
    if (this.notifier.subscriptionsOf(boxId).length === 0) this.watched.delete(boxId);
    this.o.logger?.info({ event: 'mwi.ended', boxId, ...(end.kind === 'terminated' ? { reason: end.reason } : { status: end.status }) }, 'mwi');
    for (const l of this.endListeners) l(boxId, end);
  }
}

function summaryKey(counts: { newMessages: number; oldMessages: number }): string {
  return `${counts.newMessages}/${counts.oldMessages}`;
}
