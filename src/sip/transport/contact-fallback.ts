/**
 * Where a request to a phone goes when the connection it registered (or
 * subscribed, or called) over is gone.
 *
 * Requests to a phone go back along its flow, the source address and port
 * its messages came from (NAT; RFC 3261 18.2.2 for responses, and what
 * registrars without RFC 5626 outbound do for requests). Over TCP and TLS
 * that source port is ephemeral: once the connection is gone (Sotto
 * restarted, the phone's NAT dropped it) nobody listens there, and the
 * phone is only reachable at the host and port of its Contact, which it
 * listens on (RFC 3261 18.1.1: a new connection to the target's address).
 * So a stream destination carries the Contact as its fallback; only that
 * binding's (or dialog's) own Contact, never another host.
 *
 * The fallback keeps the flow's transport: a Contact naming another one
 * (a TLS flow with a `transport=tcp` Contact) gets none, so a TLS phone is
 * never reached in the clear. A Contact without a transport parameter is
 * taken to listen on the transport it used (phones that omit it on TCP).
 */

import { isSipUri, type SipUri, type Uri } from '../message/index.ts';
import type { Destination } from './types.ts';

/** `flow` with the Contact `contact` as its fallback, when it is a stream flow and the Contact fits it. */
export function withContactFallback(flow: Destination, contact: Uri): Destination {
  if (flow.protocol === 'UDP' || !isSipUri(contact) || contact.host === '') return flow;
  const named = contactTransport(contact);
  if (named !== undefined && named !== flow.protocol) return flow;
  const port = contact.port ?? (flow.protocol === 'TLS' ? 5061 : 5060);
  return { ...flow, fallback: { address: contact.host, port } };
}

/** The transport a Contact names, upper-cased (RFC 3261 19.1.1; 26.2.2: sips is TLS whatever `transport` says). */
function contactTransport(contact: SipUri): string | undefined {
  if (contact.scheme === 'sips') return 'TLS';
  const param = contact.params.find((p) => p.name.toLowerCase() === 'transport');
  return param ? (param.value ?? '').toUpperCase() : undefined;
}
