// One branch of a call's parallel fork: the B-leg INVITE to one registered
// contact of the callee (RFC 3261 16.7-style forking done by a B2BUA: each
// branch is its own UAC transaction with its own dialog-to-be).
//
//   Calling --1xx--> Proceeding --2xx--> Answered
//      |                 |  \--CANCEL sent--> Cancelling --487--> Ended
//      \---- 3xx-6xx, timeout, transport error -------------------> Ended
//
// In Answered every further 2xx is ACKed (13.2.2.4): with a To tag already
// seen, by that dialog's ACK again; with a new one, by a new dialog's ACK,
// then BYE (the call has one answer per branch).
import { Dialog } from '../../sip/dialog/index.ts';
import { getTo, headerField, keyOf, type SipRequest, type SipResponse, type Uri } from '../../sip/message/index.ts';
import type { ClientTransaction, ClientTransactionUser, InviteClientTransaction } from '../../sip/transaction/index.ts';
import type { SipStack } from '../../sip/core/index.ts';
import type { Destination } from '../../sip/transport/index.ts';

export enum ForkState {
  Calling = 'calling',
  Proceeding = 'proceeding',
  Cancelling = 'cancelling',
  Answered = 'answered',
  Ended = 'ended',
}

/**
 * Dialogs one branch's 2xx may make (RFC 3261 13.2.2.4). Two or three is a
 * forking proxy or several UAs behind one contact; past this a peer is
 * minting To tags, and its further 2xx go unACKed (that UAS then ends each
 * dialog itself, 13.3.1.4), so it cannot make us keep state without bound.
 */
const MAX_DIALOGS = 8;

/** The header fields of our INVITE that Dialog.asUac reads (RFC 3261 12.1.2: From with its tag, Call-ID, CSeq). */
const SEED_FIELDS = new Set(['from', 'call-id', 'cseq']);
/** The seed's Request-URI, which no dialog reads: the INVITE's own would pin whatever text it was parsed from. */
const SEED_URI: Uri = Object.freeze({ scheme: 'seed', opaque: '' });
const EMPTY = Buffer.alloc(0);

export interface ForkEvents {
  /** A provisional response (180/183 …) from this branch. */
  onProvisional(fork: Fork, response: SipResponse): void;
  /**
   * The branch's first 2xx, its dialog made and ACKed. True when the call
   * takes the dialog; false hangs that phone up (it lost the race, or the
   * call is over).
   */
  onAnswer(fork: Fork, dialog: Dialog, response: SipResponse): boolean;
  /** The branch failed or was cancelled: a final status (408 for a timeout, 503 for a transport error). */
  onFailure(fork: Fork, status: number): void;
}

/**
 * The branch is its own transaction's user (methods, not closures made per
 * branch: the transaction keeps its user for 64*T1 after the 2xx).
 */
export class Fork implements ClientTransactionUser {
  private current = ForkState.Calling;
  /** CANCEL asked for before any provisional: sent once one arrives (RFC 3261 9.1). */
  private cancelPending = false;
  private tx: ClientTransaction | undefined;
  /**
   * What a dialog needs of our INVITE, copied at the first 2xx: the INVITE
   * transaction lets go of the INVITE once it passed that 2xx up
   * (released-request.ts), yet 2xx for other dialogs may follow for 64*T1
   * (RFC 6026 7.2), each needing a dialog of its own to be ACKed and hung up.
   * Three small header fields as text, not the INVITE (its body, Via,
   * URI), nor parsed forms: a request is made of them for each dialog.
   */
  private seed: readonly SeedField[] | undefined;
  /**
   * RFC 3261 13.2.2.4: the To tag of each dialog this branch's 2xx made. A
   * retransmission (a tag seen) gets its dialog's ACK again, made anew from
   * the seed and that 2xx, which repeats the first: kept 64*T1, a tag costs
   * less than an ACK message with its header fields. At most MAX_DIALOGS.
   */
  private toTags: string[] | undefined;
  /** Undefined once the call let go of the branch (detach). */
  private events: ForkEvents | undefined;

  constructor(
    readonly index: number,
    private readonly stack: SipStack,
    readonly destination: Destination,
    /** Our Contact toward this phone, for the dialog its 2xx makes. */
    private readonly contact: string,
    events: ForkEvents,
  ) {
    this.events = events;
  }

  get state(): ForkState {
    return this.current;
  }

  /**
   * The INVITE as sent (with the stack's Via), once started; after the first
   * 2xx only a stand-in (the transaction released it).
   */
  get request(): SipRequest | undefined {
    return this.tx?.request;
  }

  start(invite: SipRequest): void {
    this.tx = this.stack.sendRequest(invite, this.destination, this);
  }

  /** The transaction's responses (ClientTransactionUser). */
  onResponse(response: SipResponse): void {
    this.receive(response);
  }

  /** Timer B (ClientTransactionUser): a 408 for the call (RFC 3261 8.1.3.1). */
  onTimeout(): void {
    this.fail(408);
  }

  /** The transport refused (ClientTransactionUser): a 503 (RFC 3261 8.1.3.1). */
  onTransportError(): void {
    this.fail(503);
  }

  /**
   * The call is over and hears nothing more from this branch. The branch's
   * transaction may wait 64*T1 more for 2xx retransmissions (RFC 6026 7.2):
   * they are still ACKed here, and a late answer is ACKed and hung up, but
   * the call (its messages, dialogs, relay state) is no longer kept alive
   * by it.
   */
  detach(): void {
    this.events = undefined;
  }

  /** RFC 3261 9.1: cancel the branch; deferred until a provisional arrived. */
  cancel(): void {
    if (this.current === ForkState.Proceeding) this.sendCancel();
    else if (this.current === ForkState.Calling) this.cancelPending = true;
  }

  private receive(response: SipResponse): void {
    if (this.current === ForkState.Ended) return;
    if (response.status < 200) {
      if (this.current === ForkState.Calling) {
        this.current = ForkState.Proceeding;
        if (this.cancelPending) return void this.sendCancel();
      }
      if (this.current === ForkState.Proceeding) this.events?.onProvisional(this, response);
      return;
    }
    if (response.status < 300) {
      // A 2xx can still arrive after our CANCEL crossed it (9.1); the call decides.
      this.current = ForkState.Answered;
      this.answered(response);
      return;
    }
    this.fail(response.status);
  }

  /**
   * RFC 3261 13.2.2.4: every 2xx is ACKed. A retransmission (same To tag)
   * gets its dialog's ACK again; a 2xx with a new To tag is another dialog
   * (a forking proxy, or two UAs behind this contact): it gets its own ACK,
   * and, unless it is the branch's first and the call takes it, a BYE. Only
   * its To tag is kept; the dialog is let go once the BYE is sent.
   */
  private answered(response: SipResponse): void {
    // The first 2xx is handed to us before the transaction releases the INVITE.
    this.seed ??= seedOf(this.request);
    const toTag = getTo(response)?.tag;
    if (!toTag) return; // No dialog without a To tag (12.1.2); nothing to ACK it in.
    const toTags = (this.toTags ??= []);
    const known = toTags.includes(toTag);
    if (!known && toTags.length >= MAX_DIALOGS) return;
    const dialog = this.seed ? Dialog.asUac(seedRequest(this.seed), response, this.contact, this.destination) : undefined;
    if (!dialog) return;
    // 13.2.2.4: the ACK carries the INVITE's CSeq number, the dialog's local sequence as made. It
    // goes where the dialog's requests go: the flow, else the 2xx's Contact (the remote target).
    void this.stack.sendStateless(dialog.createAck(dialog.localSeq), dialog.destination);
    if (known) return;
    toTags.push(ownCopy(toTag));
    const first = toTags.length === 1;
    // The call is offered one dialog per branch, the first; the branch already answered for any other.
    const taken = first && this.events?.onAnswer(this, dialog, response) === true;
    if (!taken) void this.stack.request(dialog.createRequest('BYE'), dialog.destination);
  }

  private sendCancel(): void {
    if (!this.tx) return;
    this.current = ForkState.Cancelling;
    this.stack.sendCancel(this.tx as InviteClientTransaction, this.destination, { onResponse: () => {}, onTimeout: () => {}, onTransportError: () => {} });
  }

  private fail(status: number): void {
    if (this.current === ForkState.Ended || this.current === ForkState.Answered) return;
    this.current = ForkState.Ended;
    this.events?.onFailure(this, status);
  }
}

interface SeedField {
  readonly name: string;
  readonly value: string;
}

/**
 * The part of our INVITE a dialog is made from (Dialog.asUac), as text. The
 * INVITE's fields carry their parsed forms (URIs, parameters), and their
 * values may be made of slices of the caller's INVITE (the realm in From).
 */
function seedOf(invite: SipRequest | undefined): SeedField[] | undefined {
  return invite?.headers.filter((h) => SEED_FIELDS.has(keyOf(h))).map((h) => ({ name: h.name, value: ownCopy(h.value) }));
}

/** A request of the seed's fields for Dialog.asUac; what it parses of them goes with it. */
function seedRequest(seed: readonly SeedField[]): SipRequest {
  return { kind: 'request', method: 'INVITE', uri: SEED_URI, version: 'SIP/2.0', headers: seed.map((f) => headerField(f.name, f.value)), body: EMPTY };
}

/**
 * `s` in memory of its own. A tag parsed from a 2xx is a slice of the 2xx's
 * text and keeps all of it alive as long as the tag (a field value made
 * with a slice of another message, that message's); a slice of a fresh
 * string (V8 copies a concatenation before slicing it) keeps only that.
 */
function ownCopy(s: string): string {
  return ` ${s}`.slice(1);
}
