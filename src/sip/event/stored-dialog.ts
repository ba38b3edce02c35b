/**
 * A notifier's dialog as text, so a subscription can outlive the process
 * (RFC 6665 4.1.2.2 leaves it to the notifier how long it remembers one; the
 * subscriber believes it active until its Expires). What RFC 3261 12.2.1.1
 * needs to build a request in the dialog: Call-ID, both tags, both URIs, the
 * remote target, the route set, our CSeq, plus where the subscriber's
 * requests came from (where a NOTIFY goes, RFC 3261 18.2.2 / RFC 3581).
 *
 * Dialog's constructor is private to sip/dialog; a stored dialog is brought
 * back through Dialog.asUas from the SUBSCRIBE that made it, rebuilt from
 * the stored fields (the same 12.1.1 rules then apply), and its local CSeq
 * is set afterwards. Text read back that no longer parses yields undefined,
 * never a throw.
 */

import { Dialog } from '../dialog/index.ts';
import { formatNameAddr, formatUri, headerField, parseUri, type SipRequest } from '../message/index.ts';
import type { Destination, TransportProtocol } from '../transport/index.ts';

export interface StoredDialog {
  readonly callId: string;
  readonly localTag: string;
  readonly remoteTag: string;
  /** name-addr without tag. */
  readonly localUri: string;
  readonly remoteUri: string;
  readonly remoteTarget: string;
  readonly routeSet: readonly string[];
  readonly remoteSeq: number;
  readonly localSeq: number;
  /** Where NOTIFYs go; a TCP/TLS connection does not survive a restart, so no connection id. */
  readonly destination: { readonly protocol: TransportProtocol; readonly address: string; readonly port: number };
}

export function storeDialog(dialog: Dialog): StoredDialog {
  return {
    callId: dialog.callId,
    localTag: dialog.localTag,
    remoteTag: dialog.remoteTag,
    localUri: formatNameAddr(dialog.localUri),
    remoteUri: formatNameAddr(dialog.remoteUri),
    remoteTarget: formatUri(dialog.remoteTarget),
    routeSet: [...dialog.routeSet],
    remoteSeq: dialog.remoteSeq ?? 0,
    localSeq: dialog.localSeq,
    destination: { protocol: dialog.destination.protocol, address: dialog.destination.address, port: dialog.destination.port },
  };
}

/** The dialog again, with our Contact on its transport; undefined when the stored text is unusable. */
export function restoreDialog(s: StoredDialog, localContact: string): Dialog | undefined {
  const target = parseUri(s.remoteTarget);
  const requestUri = parseUri(s.localUri.replace(/^[^<]*<([^>]*)>.*$/, '$1'));
  if (!target.ok || !requestUri.ok) return undefined;
  const subscribe: SipRequest = {
    kind: 'request',
    method: 'SUBSCRIBE',
    uri: requestUri.value,
    version: 'SIP/2.0',
    headers: [
      headerField('From', `${s.remoteUri};tag=${s.remoteTag}`),
      headerField('To', s.localUri),
      headerField('Call-ID', s.callId),
      headerField('CSeq', `${s.remoteSeq} SUBSCRIBE`),
      headerField('Contact', `<${s.remoteTarget}>`),
      // RFC 3261 12.1.1: the UAS keeps Record-Route in the order received; stored in that order.
      ...s.routeSet.map((r) => headerField('Record-Route', r)),
    ],
    body: Buffer.alloc(0),
  };
  const destination: Destination = { ...s.destination };
  const dialog = Dialog.asUas(subscribe, s.localTag, localContact, destination);
  if (!dialog) return undefined;
  dialog.localSeq = s.localSeq;
  return dialog;
}
