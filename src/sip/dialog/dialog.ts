/**
 * A SIP dialog (RFC 3261 12): the peer-to-peer relationship an INVITE and
 * its 2xx set up, and what every later request inside it must carry.
 *
 * State kept per 12.1.1 / 12.1.2: Call-ID, local and remote tags, local and
 * remote sequence numbers, local and remote URIs, the remote target (the
 * peer's Contact) and the route set (Record-Route; reversed on the UAC
 * side). Requests are built per 12.2.1.1 and checked per 12.2.2.
 *
 * Where requests physically go is the caller's business (`destination`):
 * for phones behind NAT that is the flow their messages came from, not the
 * host in their Contact. Over TCP/TLS the dialog adds the remote target as
 * the place to connect to once that flow's connection is gone
 * (contact-fallback.ts), unless a route set names other hops.
 */

import {
  formatNameAddr,
  getCallId,
  getContacts,
  getCSeq,
  getFrom,
  getRecordRoutes,
  getTo,
  headerField,
  type HeaderField,
  type NameAddr,
  type SipRequest,
  type SipResponse,
  type Uri,
} from '../message/index.ts';
import { withContactFallback, type Destination } from '../transport/index.ts';

export interface DialogId {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
}

/** The key a dialog is found by: the Call-ID and the local tag (the To tag of a request that reaches us). */
export function dialogKey(callId: string, localTag: string): string {
  return `${callId}\u0000${localTag}`;
}

export interface DialogState extends DialogId {
  /** Our From/To (a name-addr without tag). */
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  /** RFC 3261 12.1: the remote target, the peer's Contact URI. */
  readonly remoteTarget: Uri;
  /** Route header values to send, in order (12.1.1 / 12.1.2). */
  readonly routeSet: readonly string[];
  /** Our Contact, sent in every request that needs one (12.2.1.1, re-INVITE). */
  readonly localContact: string;
  localSeq: number;
  /** Undefined until the peer sends a request (12.1.2: "empty" for the UAC). */
  remoteSeq: number | undefined;
  readonly destination: Destination;
}

export type DialogRequestCheck = 'ok' | 'out-of-order';

export class Dialog implements DialogState {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  readonly localUri: NameAddr;
  readonly remoteUri: NameAddr;
  readonly remoteTarget: Uri;
  readonly routeSet: readonly string[];
  readonly localContact: string;
  localSeq: number;
  remoteSeq: number | undefined;
  readonly destination: Destination;

  private constructor(s: DialogState) {
    this.callId = s.callId;
    this.localTag = s.localTag;
    this.remoteTag = s.remoteTag;
    this.localUri = s.localUri;
    this.remoteUri = s.remoteUri;
    this.remoteTarget = s.remoteTarget;
    this.routeSet = s.routeSet;
    this.localContact = s.localContact;
    this.localSeq = s.localSeq;
    this.remoteSeq = s.remoteSeq;
    this.destination = s.destination;
  }

  get key(): string {
    return dialogKey(this.callId, this.localTag);
  }

  /**
   * RFC 3261 12.1.1: the UAS side, made when we answer `request` with a
   * 2xx carrying `localTag`. Undefined when the request lacks what a dialog
   * needs (a From tag, a Contact).
   */
  static asUas(request: SipRequest, localTag: string, localContact: string, destination: Destination): Dialog | undefined {
    const from = getFrom(request);
    const to = getTo(request);
    const callId = getCallId(request);
    const cseq = getCSeq(request);
    const contact = getContacts(request)[0];
    if (!from?.tag || !to || !callId || !cseq || !contact || contact.star) return undefined;
    return new Dialog({
      callId,
      localTag,
      remoteTag: from.tag,
      localUri: withoutTag(to),
      remoteUri: withoutTag(from),
      remoteTarget: contact.uri,
      // 12.1.1: "the route set MUST be set to the list of URIs in the Record-Route ... in order".
      routeSet: getRecordRoutes(request).map((r) => formatNameAddr(r)),
      localContact,
      // 12.1.1: our sequence number starts empty; we pick one when we first send.
      localSeq: 0,
      remoteSeq: cseq.seq,
      destination: reachable(destination, contact.uri, getRecordRoutes(request).length === 0),
    });
  }

  /** RFC 3261 12.1.2: the UAC side, made from our INVITE and its 2xx. */
  static asUac(request: SipRequest, response: SipResponse, localContact: string, destination: Destination): Dialog | undefined {
    const from = getFrom(request);
    const to = getTo(response);
    const callId = getCallId(request);
    const cseq = getCSeq(request);
    const contact = getContacts(response)[0];
    if (!from?.tag || !to?.tag || !callId || !cseq || !contact || contact.star) return undefined;
    return new Dialog({
      callId,
      localTag: from.tag,
      remoteTag: to.tag,
      localUri: withoutTag(from),
      remoteUri: withoutTag(to),
      remoteTarget: contact.uri,
      // 12.1.2: "the route set MUST be set to the list of URIs in the Record-Route ... taken in reverse order".
      routeSet: getRecordRoutes(response).map((r) => formatNameAddr(r)).reverse(),
      localContact,
      localSeq: cseq.seq,
      remoteSeq: undefined,
      destination: reachable(destination, contact.uri, getRecordRoutes(response).length === 0),
    });
  }

  /**
   * RFC 3261 12.2.2: a request inside the dialog. A CSeq lower than the last
   * one is out of order (the caller answers 500); otherwise it is remembered.
   */
  receiveRequest(request: SipRequest): DialogRequestCheck {
    const cseq = getCSeq(request);
    if (!cseq) return 'out-of-order';
    if (this.remoteSeq !== undefined && cseq.seq < this.remoteSeq) return 'out-of-order';
    // ACK and CANCEL carry the CSeq of the request they belong to, not a new one.
    if (request.method !== 'ACK' && request.method !== 'CANCEL') this.remoteSeq = cseq.seq;
    return 'ok';
  }

  /**
   * RFC 3261 12.2.1.1: a new request inside the dialog (BYE, re-INVITE).
   * The stack adds the Via; the CSeq is the next local number.
   * `maxForwards`: for a request another one caused (a B2BUA passing a
   * phone's request on), that one's less one; default 70 (8.1.1.6).
   */
  createRequest(method: string, options: { body?: Buffer; contentType?: string; headers?: readonly HeaderField[]; maxForwards?: number } = {}): SipRequest {
    this.localSeq += 1;
    return this.build(method, this.localSeq, options);
  }

  /**
   * RFC 3261 13.2.2.4: the ACK of a 2xx, with the INVITE's CSeq number,
   * built like any request inside the dialog.
   */
  createAck(inviteSeq: number, options: { body?: Buffer; contentType?: string } = {}): SipRequest {
    return this.build('ACK', inviteSeq, options);
  }

  private build(method: string, seq: number, options: { body?: Buffer; contentType?: string; headers?: readonly HeaderField[]; maxForwards?: number }): SipRequest {
    // 12.2.1.1: with no route set, or a strict-routing first entry we do not
    // support, the Request-URI is the remote target; loose routing keeps it too.
    const body = options.body ?? Buffer.alloc(0);
    const headers: HeaderField[] = [
      headerField('Max-Forwards', String(options.maxForwards ?? 70)),
      headerField('From', `${formatNameAddr(this.localUri)};tag=${this.localTag}`),
      headerField('To', `${formatNameAddr(this.remoteUri)};tag=${this.remoteTag}`),
      headerField('Call-ID', this.callId),
      headerField('CSeq', `${seq} ${method}`),
      ...this.routeSet.map((r) => headerField('Route', r)),
      ...(method === 'INVITE' || method === 'UPDATE' ? [headerField('Contact', this.localContact)] : []),
      ...(options.headers ?? []),
      ...(body.length > 0 && options.contentType ? [headerField('Content-Type', options.contentType)] : []),
      headerField('Content-Length', String(body.length)),
    ];
    return { kind: 'request', method, uri: this.remoteTarget, version: 'SIP/2.0', headers, body };
  }
}

/**
 * The dialog's destination: the flow, with the remote target to connect to
 * when its connection is gone. Not with a route set: requests then go via
 * its first hop (12.2.1.1), never straight to the peer's Contact.
 */
function reachable(destination: Destination, remoteTarget: Uri, direct: boolean): Destination {
  return direct ? withContactFallback(destination, remoteTarget) : destination;
}

function withoutTag(na: NameAddr): NameAddr {
  return { ...(na.displayName !== undefined ? { displayName: na.displayName } : {}), uri: na.uri, params: na.params.filter((p) => p.name.toLowerCase() !== 'tag') };
}

