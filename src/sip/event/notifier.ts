/**
 * A notifier for one event package (RFC 6665 4.2): accepts SUBSCRIBE
 * requests its user has already authorised, answers them, keeps their
 * subscriptions and NOTIFIES them when their resource changes. It keeps
 * them in memory; a user that wants them across a restart stores each one
 * it is told of (onActive, onEnded) and hands it back with restore().
 *
 * The user decides who may subscribe to what (authentication lives above
 * sip/); this file only speaks the protocol:
 *   new SUBSCRIBE     -> Expires checked (423), 200 with a To tag and the
 *                        granted Expires, then an immediate NOTIFY (4.2.1.1)
 *   in-dialog SUBSCRIBE -> refresh or, with Expires: 0, unsubscribe (4.2.1.2)
 *   notify(resource)  -> a NOTIFY on every active subscription of it
 */

import { Dialog, dialogKey } from '../dialog/index.ts';
import { createResponse, generateTag, getAccept, getCallId, getExpires, getHeaderFields, getTo, headerField, mediaRangeCovers, type SipRequest } from '../message/index.ts';
import type { Clock, ClientTransactionUser, ServerTransaction } from '../transaction/index.ts';
import type { Destination, MessageSource, TransportProtocol } from '../transport/index.ts';
import { getEventHeader, type EventHeader } from './event-header.ts';
import { restoreDialog, type StoredDialog } from './stored-dialog.ts';
import { NotifierSubscription, type NotifyContent, type SubscriptionEnd } from './subscription.ts';

export interface NotifierOptions {
  /** The event package served, e.g. "message-summary" (RFC 3842). */
  readonly eventPackage: string;
  /** Our Contact (a name-addr), in the 200 and every NOTIFY. */
  readonly contact: string;
  /** Our Contact on a given transport (a subscriber on TLS must refresh over TLS); default `contact`. */
  readonly contacts?: Partial<Record<TransportProtocol, string>>;
  /** Our Contact toward the subscriber at `peer` (an IP), when it depends on the peer (wildcard bind); wins over the two above. */
  readonly contactToward?: (protocol: TransportProtocol, peer: string) => string;
  readonly clock: Clock;
  /** Sends a request in a client non-INVITE transaction: SipStack.sendRequest. */
  send(request: SipRequest, destination: Destination, user: ClientTransactionUser): unknown;
  /** The resource's current state for a NOTIFY body. */
  content(resource: string): Promise<NotifyContent>;
  /**
   * The body type of every NOTIFY (e.g. application/simple-message-summary):
   * a SUBSCRIBE whose Accept rules it out gets 406 (RFC 6665 4.2.1.1, RFC
   * 3261 21.4.7); one without Accept takes the package's default, this.
   */
  readonly contentType?: string;
  /** Used when SUBSCRIBE carries no Expires (the package's default, RFC 6665 4.4.1). */
  readonly defaultExpires: number;
  /** Shorter requests (other than 0) get 423 Interval Too Brief (RFC 6665 4.2.1.1). */
  readonly minExpires: number;
  /** Longer requests are shortened to this (RFC 6665 4.2.1.1: "MAY shorten"). */
  readonly maxExpires: number;
  /** Subscriptions kept per resource; the oldest is ended when a new one would exceed it. */
  readonly maxPerResource?: number;
  /** Told when a subscription ends (logs carry ids and codes only). */
  onEnded?(resource: string, end: SubscriptionEnd, subscription: NotifierSubscription): void;
  /** Told when a subscription is accepted or refreshed and stays active (a store keeps it across restarts). */
  onActive?(subscription: NotifierSubscription): void;
}

/** Whether a request is a SUBSCRIBE for this package (new or in a known dialog). */
export type SubscribeKind = 'new' | 'refresh' | 'unknown-dialog';

export class EventNotifier {
  private readonly byDialog = new Map<string, NotifierSubscription>();
  private readonly byResource = new Map<string, Set<NotifierSubscription>>();

  constructor(private readonly o: NotifierOptions) {}

  /** Active subscriptions (tests, health). */
  get size(): number {
    return this.byDialog.size;
  }

  subscriptionsOf(resource: string): readonly NotifierSubscription[] {
    return [...(this.byResource.get(resource) ?? [])];
  }

  /** RFC 6665 8.2.1: the Event header names this notifier's package. */
  servesEvent(request: SipRequest): boolean {
    return getEventHeader(request.headers)?.package === this.o.eventPackage;
  }

  /** A new SUBSCRIBE (no To tag), a refresh of one of ours, or a request for a dialog we do not know (481). */
  classify(request: SipRequest): SubscribeKind {
    const tag = getTo(request)?.tag;
    if (tag === undefined) return 'new';
    const callId = getCallId(request);
    return callId !== undefined && this.byDialog.has(dialogKey(callId, tag)) ? 'refresh' : 'unknown-dialog';
  }

  /** The subscription a refresh or unsubscribe is for (its dialog), if it is one of ours. */
  subscriptionFor(request: SipRequest): NotifierSubscription | undefined {
    const tag = getTo(request)?.tag;
    const callId = getCallId(request);
    return tag === undefined || callId === undefined ? undefined : this.byDialog.get(dialogKey(callId, tag));
  }

  /**
   * Accepts a new, already authorised SUBSCRIBE for `resource`. Answers it
   * (200, or 423/400) and sends the first NOTIFY. Returns the subscription,
   * or undefined when refused (or when it was a fetch, over at once).
   */
  subscribe(tx: ServerTransaction, request: SipRequest, source: MessageSource, resource: string): NotifierSubscription | undefined {
    const event = getEventHeader(request.headers);
    if (!event || event.package !== this.o.eventPackage) return void this.refuse(tx, request, 489);
    if (!this.acceptsContent(request)) return void this.refuse(tx, request, 406);
    const granted = this.grant(tx, request);
    if (granted === undefined) return undefined;
    const localTag = generateTag();
    const destination: Destination = { protocol: source.protocol, address: source.address, port: source.port, ...(source.connectionId ? { connectionId: source.connectionId } : {}) };
    const contact = this.contactOn(source.protocol, source.address);
    const dialog = Dialog.asUas(request, localTag, contact, destination);
    // RFC 6665 4.1.2.1 / RFC 3261 12.1.1: a dialog needs a From tag and a Contact.
    if (!dialog) return void this.refuse(tx, request, 400, 'Missing Contact or From tag');
    // An unsubscribe-only SUBSCRIBE (Expires: 0 with no dialog) is a fetch: RFC 6665 4.4.3.
    tx.respond(createResponse(request, 200, 'OK', { toTag: localTag, headers: [headerField('Expires', String(granted)), headerField('Contact', contact)] }));
    const sub = this.create(dialog, event, resource, contact, Math.max(granted, 1));
    // A fetch is answered by one final NOTIFY and is never an active subscription to track.
    if (granted === 0) {
      sub.terminate('timeout');
      return undefined;
    }
    sub.changed();
    if (sub.state !== 'active') return undefined;
    this.o.onActive?.(sub);
    return sub;
  }

  /**
   * Brings back a subscription accepted before a restart, active for the
   * time it had left (RFC 6665 4.1.2.2: the subscriber holds it active
   * until its Expires). Sends nothing: RFC 6665 allows a NOTIFY at any time
   * in an active subscription, and the caller decides when the state is
   * known. Undefined when its time is up, the dialog text is unusable, or
   * the dialog is already here.
   */
  restore(stored: StoredDialog, event: EventHeader, resource: string, expiresAtMs: number): NotifierSubscription | undefined {
    if (event.package !== this.o.eventPackage) return undefined;
    const remainingMs = expiresAtMs - this.o.clock.now();
    if (remainingMs <= 0) return undefined;
    const contact = this.contactOn(stored.destination.protocol, stored.destination.address);
    const dialog = restoreDialog(stored, contact);
    if (!dialog || this.byDialog.has(dialog.key)) return undefined;
    return this.create(dialog, event, resource, contact, Math.ceil(remainingMs / 1000));
  }

  private create(dialog: Dialog, event: EventHeader, resource: string, contact: string, seconds: number): NotifierSubscription {
    const sub = new NotifierSubscription(dialog, event, resource, contact, seconds, {
      clock: this.o.clock,
      send: (r, d, u) => void this.o.send(r, d, u),
      content: (res) => this.o.content(res),
      ended: (s, end) => this.forget(s, end),
    });
    this.track(sub);
    return sub;
  }

  /** An in-dialog SUBSCRIBE: refresh, or unsubscribe with Expires: 0 (RFC 6665 4.2.1.2). */
  refresh(tx: ServerTransaction, request: SipRequest): void {
    const callId = getCallId(request);
    const tag = getTo(request)?.tag;
    const sub = callId !== undefined && tag !== undefined ? this.byDialog.get(dialogKey(callId, tag)) : undefined;
    // RFC 6665 4.2.1.2 / RFC 3261 12.2.2: a refresh for a subscription we do not have gets 481.
    if (!sub) return void tx.respond(createResponse(request, 481));
    const event = getEventHeader(request.headers);
    if (!event || event.package !== sub.event.package || event.id !== sub.event.id) return void tx.respond(createResponse(request, 489));
    if (!this.acceptsContent(request)) return void this.refuse(tx, request, 406);
    // RFC 3261 12.2.2: a lower CSeq than the last is out of order.
    if (sub.dialog.receiveRequest(request) === 'out-of-order') return void tx.respond(createResponse(request, 500));
    const granted = this.grant(tx, request);
    if (granted === undefined) return;
    tx.respond(createResponse(request, 200, 'OK', { headers: [headerField('Expires', String(granted)), headerField('Contact', this.contactOn(sub.dialog.destination.protocol, sub.dialog.destination.address))] }));
    sub.refresh(granted);
    if (sub.state === 'active') this.o.onActive?.(sub);
  }

  /** The resource changed: NOTIFY each of its subscriptions. Returns how many were told. */
  notify(resource: string): number {
    const subs = this.subscriptionsOf(resource);
    for (const s of subs) s.changed();
    return subs.length;
  }

  /** Ends every subscription of a resource with a final NOTIFY (a box removed: reason noresource). */
  terminateResource(resource: string, reason: 'noresource' | 'deactivated' = 'noresource'): void {
    for (const s of this.subscriptionsOf(resource)) s.terminate(reason);
  }

  /** Shutdown: ends every subscription here without NOTIFY (the subscriber still holds it; a stored copy may restore it). */
  close(): void {
    for (const s of [...this.byDialog.values()]) s.drop('deactivated');
  }

  /** Whether the SUBSCRIBE's Accept, if any, admits our NOTIFY bodies' type. */
  private acceptsContent(request: SipRequest): boolean {
    const accept = getAccept(request);
    if (accept === undefined || this.o.contentType === undefined) return true;
    const [type = '', subtype = ''] = this.o.contentType.split('/');
    return accept.some((range) => mediaRangeCovers(range, type, subtype));
  }

  /** RFC 6665 4.2.1.1: the granted duration, or undefined after answering 423/400. */
  private grant(tx: ServerTransaction, request: SipRequest): number | undefined {
    const fields = getHeaderFields(request.headers, 'expires');
    const asked = fields.length === 0 ? this.o.defaultExpires : getExpires(request);
    if (asked === undefined) {
      this.refuse(tx, request, 400, 'Invalid Expires');
      return undefined;
    }
    if (asked !== 0 && asked < this.o.minExpires) {
      this.refuse(tx, request, 423, 'Interval Too Brief', [headerField('Min-Expires', String(this.o.minExpires))]);
      return undefined;
    }
    return Math.min(asked, this.o.maxExpires);
  }

  private refuse(tx: ServerTransaction, request: SipRequest, status: number, reason?: string, headers = [] as ReturnType<typeof headerField>[]): false {
    // RFC 6665 8.3.2 (489 Bad Event): "the response MUST include an Allow-Events header field".
    const allow = status === 489 ? [headerField('Allow-Events', this.o.eventPackage)] : [];
    tx.respond(createResponse(request, status, reason, { headers: [...allow, ...headers] }));
    return false;
  }

  private contactOn(protocol: TransportProtocol, peer: string): string {
    if (this.o.contactToward) return this.o.contactToward(protocol, peer);
    return this.o.contacts?.[protocol] ?? this.o.contact;
  }

  private track(sub: NotifierSubscription): void {
    this.byDialog.set(sub.key, sub);
    let set = this.byResource.get(sub.resource);
    if (!set) this.byResource.set(sub.resource, (set = new Set()));
    set.add(sub);
    const max = this.o.maxPerResource ?? 16;
    // A phone that re-subscribes after every reboot leaves old dialogs behind; the oldest go first,
    // ended with "rejected" (RFC 6665 4.2.2: "deactivated" invites an immediate re-SUBSCRIBE, a loop here).
    while (set.size > max) {
      const oldest = set.values().next().value as NotifierSubscription;
      oldest.terminate('rejected');
      set.delete(oldest);
    }
  }

  private forget(sub: NotifierSubscription, end: SubscriptionEnd): void {
    this.byDialog.delete(sub.key);
    const set = this.byResource.get(sub.resource);
    set?.delete(sub);
    if (set?.size === 0) this.byResource.delete(sub.resource);
    this.o.onEnded?.(sub.resource, end, sub);
  }
}
