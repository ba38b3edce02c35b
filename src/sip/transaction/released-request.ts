/**
 * What a server transaction keeps of its request once it no longer needs
 * it: the method and version, nothing else. A parsed request (its URI,
 * header fields and body, and the message text they are sliced from) held
 * for the 32 s of Timer J or L was most of what a busy server kept alive,
 * and what the garbage collector spent its time copying. RFC 3261 17.2
 * needs the request's key (kept by the layer) and, for retransmissions,
 * the bytes of the last response (kept by the channel), not the request.
 */

import type { SipRequest, Uri } from '../message/index.ts';

const EMPTY = Buffer.alloc(0);
/** Stands for the Request-URI of a released request: the parsed URI would pin the whole message text. */
const RELEASED_URI: Uri = Object.freeze({ scheme: 'released', opaque: '' });
const NO_HEADERS: SipRequest['headers'] = Object.freeze([]) as unknown as SipRequest['headers'];
/** One frozen stand-in per method, shared by every released transaction. */
const released = new Map<string, SipRequest>();

export function releasedRequest(method: string, version: string): SipRequest {
  const key = `${method} ${version}`;
  let r = released.get(key);
  if (!r) {
    r = Object.freeze({ kind: 'request', method, uri: RELEASED_URI, version, headers: NO_HEADERS, body: EMPTY }) as SipRequest;
    // Peers choose method names: only a bounded number are remembered.
    if (released.size < 64) released.set(key, r);
  }
  return r;
}
