/**
 * RFC 3261 18.2.1 and RFC 3581 4: a server transport records on the top Via
 * of every request where it really came from. `received` is added when the
 * sent-by host differs from the packet's source address; `rport`, when the
 * client asked for it, gets the source port (and then `received` always).
 * Responses are later routed on these (18.2.2).
 */

import { formatVia, getTopVia, keyOf, headerField, withReceived, type HeaderField, type SipRequest } from '../message/index.ts';
import { parseViaList } from '../message/headers/accessors.ts';
import { MemoHeaderField } from '../message/headers/header-field.ts';
import { splitList } from '../message/headers/lexer.ts';

export function stampReceived(request: SipRequest, address: string, port: number): SipRequest {
  const via = getTopVia(request);
  if (!via) return request;
  const stamped = withReceived(via, address, port);
  if (stamped.received === via.received && stamped.rport === via.rport) return request;
  const at = request.headers.findIndex((h) => keyOf(h) === 'via');
  const field = request.headers[at] as HeaderField;
  const parts = splitList(field.value) ?? [field.value];
  parts[0] = formatVia(stamped);
  const headers = [...request.headers];
  // The new field carries its parse: the stamped Via and the field's other
  // via-parms as they were, so nothing downstream parses it again.
  const vias = MemoHeaderField.parse(field, parseViaList);
  headers[at] = vias && vias.length === parts.length
    ? MemoHeaderField.withParse(field.name, parts.join(', '), parseViaList, [stamped, ...vias.slice(1)])
    : headerField(field.name, parts.join(', '));
  return { kind: 'request', method: request.method, uri: request.uri, version: request.version, headers, body: request.body };
}
