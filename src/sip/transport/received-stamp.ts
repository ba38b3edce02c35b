/**
 * RFC 3261 18.2.1 and RFC 3581 4: a server transport records on the top Via
 * of every request where it really came from. `received` is added when the
 * sent-by host differs from the packet's source address; `rport`, when the
 * client asked for it, gets the source port (and then `received` always).
 * Responses are later routed on these (18.2.2).
 */

import { formatVia, getTopVia, headerKey, headerField, withReceived, type HeaderField, type SipRequest } from '../message/index.ts';
import { splitList } from '../message/headers/lexer.ts';

export function stampReceived(request: SipRequest, address: string, port: number): SipRequest {
  const via = getTopVia(request);
  if (!via) return request;
  const stamped = withReceived(via, address, port);
  if (stamped.received === via.received && stamped.rport === via.rport) return request;
  const at = request.headers.findIndex((h) => headerKey(h.name) === 'via');
  const field = request.headers[at] as HeaderField;
  const parts = splitList(field.value) ?? [field.value];
  parts[0] = formatVia(stamped);
  const headers = [...request.headers];
  headers[at] = headerField(field.name, parts.join(', '));
  return { kind: 'request', method: request.method, uri: request.uri, version: request.version, headers, body: request.body };
}
