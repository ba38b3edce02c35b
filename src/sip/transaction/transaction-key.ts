/**
 * Transaction identifiers (RFC 3261 17.1.3 for clients, 17.2.3 for servers).
 *
 * A client matches a response by the top Via branch and the CSeq method
 * (CANCEL shares the INVITE's branch but is its own transaction). A server
 * matches an RFC 3261 request by branch, sent-by and method, with ACK
 * counted as INVITE so the ACK of a non-2xx reaches the INVITE transaction;
 * requests whose branch lacks the magic cookie come from RFC 2543 peers and
 * are matched on the dialog-ish fields instead (17.2.3, last paragraphs).
 */

import { BRANCH_MAGIC_COOKIE, formatUri, getCallId, getCSeq, getFrom, getTopVia, type SipRequest, type SipResponse } from './message-deps.ts';

/** Key of the client transaction a response belongs to; undefined when the response lacks Via branch or CSeq. */
export function clientKeyOfResponse(response: SipResponse): string | undefined {
  const branch = getTopVia(response)?.branch;
  const cseq = getCSeq(response);
  if (!branch || !cseq) return undefined;
  // Only looked up, never kept: no copy (see flattened).
  return `${branch}|${cseq.method}`;
}

/** Key of the client transaction that sends `request` (its top Via is ours). */
export function clientKeyOfRequest(request: SipRequest): string | undefined {
  const branch = getTopVia(request)?.branch;
  if (!branch) return undefined;
  return flattened(`${branch}|${request.method}`);
}

/**
 * Key of the server transaction a request belongs to. `asMethod` lets CANCEL
 * look up the INVITE it cancels (RFC 3261 9.2: same key, method INVITE).
 */
export function serverKeyOfRequest(request: SipRequest, asMethod?: string): string | undefined {
  const via = getTopVia(request);
  if (!via) return undefined;
  const method = asMethod ?? (request.method === 'ACK' ? 'INVITE' : request.method);
  const sentBy = `${via.host.toLowerCase()}:${via.port ?? ''}`;
  if (via.branch && via.branch.startsWith(BRANCH_MAGIC_COOKIE) && via.branch.length > BRANCH_MAGIC_COOKIE.length) {
    // RFC 3261 17.2.3: branch + sent-by + method.
    return flattened(`3261|${via.branch}|${sentBy}|${method}`);
  }
  // RFC 3261 17.2.3 (RFC 2543 compatibility): Request-URI, From tag, Call-ID,
  // CSeq number, top Via, and method. The To tag is left out: the INVITE and
  // its retransmissions have none and the ACK carries the one we sent, so
  // leaving it out matches both, as the RFC intends.
  const cseq = getCSeq(request);
  const callId = getCallId(request);
  if (!cseq || !callId) return undefined;
  const fromTag = getFrom(request)?.tag ?? '';
  return flattened(`2543|${formatUri(request.uri)}|${fromTag}|${callId}|${cseq.seq}|${sentBy}|${via.branch ?? ''}|${method}`);
}

/**
 * `key`, holding characters of its own. A key made of a message's fields is
 * a tree of pieces (V8's cons and sliced strings) that keeps the whole text
 * of the message it was cut from alive as long as the key: a server
 * transaction's key lives 64*T1 after the answer, with its transaction and
 * in the layer's map (hashing a key for a Map does not flatten it). Reading
 * a character does: V8 copies the characters into one flat string in place
 * and lets go of the pieces, and of the message text with them.
 */
function flattened(key: string): string {
  key.charCodeAt(0);
  return key;
}
