/**
 * The CANCEL of a pending INVITE (RFC 3261 9.1). It is a hop-by-hop
 * request that must reach the same server transaction as the INVITE, so it
 * reuses the INVITE's top Via (same branch) and destination.
 */

import { headerField, keyOf, splitTopVia, type HeaderField, type SipRequest } from './message-deps.ts';

export function cancelFor(invite: SipRequest): SipRequest {
  const headers: HeaderField[] = [];
  let viaDone = false;
  for (const h of invite.headers) {
    const k = keyOf(h);
    if (k === 'via') {
      // "A CANCEL constructed by a client MUST have only a single Via header
      // field value matching the top Via value in the request being cancelled."
      if (!viaDone) headers.push(headerField(h.name, splitTopVia(h.value)));
      viaDone = true;
    } else if (k === 'from' || k === 'to' || k === 'call-id' || k === 'max-forwards' || k === 'route') {
      // "The Request-URI, Call-ID, To, the numeric part of CSeq, and From
      // header fields ... MUST be identical"; Route too (9.1).
      headers.push(h);
    } else if (k === 'cseq') {
      headers.push(headerField(h.name, h.value.replace(/[A-Za-z!%*_+`'~.-]+\s*$/, 'CANCEL')));
    }
  }
  return { kind: 'request', method: 'CANCEL', uri: invite.uri, version: 'SIP/2.0', headers, body: Buffer.alloc(0) };
}
