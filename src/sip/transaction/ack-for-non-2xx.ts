/**
 * The ACK an INVITE client transaction sends for a 300-699 response
 * (RFC 3261 17.1.1.3). It is part of the INVITE transaction: same branch,
 * so the server transaction matches it (17.2.3).
 */

import { getHeaderFields, headerField, keyOf, splitTopVia, type HeaderField, type SipRequest, type SipResponse } from './message-deps.ts';

export function ackForNon2xx(invite: SipRequest, response: SipResponse): SipRequest {
  const headers: HeaderField[] = [];
  for (const h of invite.headers) {
    const k = keyOf(h);
    // "The Via header field in the ACK MUST contain only a single value,
    // which MUST be equal to the top Via header field of the original request."
    if (k === 'via') {
      if (!headers.some((x) => keyOf(x) === 'via')) headers.push(headerField(h.name, splitTopVia(h.value)));
    } else if (k === 'from' || k === 'call-id' || k === 'max-forwards') {
      headers.push(h);
    } else if (k === 'to') {
      // "The To header field in the ACK MUST equal the To header field in the
      // response being acknowledged" (it carries the UAS's tag).
      const to = getHeaderFields(response.headers, 'to')[0];
      headers.push(to ?? h);
    } else if (k === 'cseq') {
      // "The CSeq header field in the ACK MUST contain the same value for the
      // sequence number as was present in the original request, but the
      // method parameter MUST be equal to "ACK"."
      headers.push(headerField(h.name, h.value.replace(/[A-Za-z!%*_+`'~.-]+\s*$/, 'ACK')));
    } else if (k === 'route') {
      // "If the INVITE request whose response is being acknowledged had Route
      // header fields, those header fields MUST appear in the ACK."
      headers.push(h);
    }
  }
  return { kind: 'request', method: 'ACK', uri: invite.uri, version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
}
