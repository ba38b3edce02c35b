// Sotto's own offer to one leg of a call, for a phone that sent an INVITE or
// a re-INVITE without one (RFC 3261 §13.2.1, §14.2; RFC 3264 §4): the offer
// goes in Sotto's 2xx and the phone's answer comes back in its ACK.
//
// RFC 3261 §14.2 asks for such an offer to be made as for a new call, with
// every format the UA is willing to use, while overlapping what the session
// already has. So: both G.711 laws (the leg's codec first, else the other
// leg's, so nothing is transcoded unless the phone wants it), telephone-event
// (unless the other leg has none: keys sent as events would then be lost,
// where in-band tones pass), and the leg's port, SRTP key and packet time
// kept. Its direction is what the other leg allows: the relay can send this
// phone only what the other phone sends it, and needs from it only what the
// other phone takes.

import type { LatchPolicy } from '../rtp/peer-latch.ts';
import { directionFlags, directionFromFlags } from '../sdp/media-format.ts';
import { createAudioOffer, readAudioAnswer, type G711Codec, type SdesKey, type SdpIdentity } from '../sdp/offer-answer.ts';
import type { SessionDescription } from '../sdp/session-description.ts';
import type { LegMediaConfig } from './control-messages.ts';
import { RelayError } from './relay-error.ts';
import { DEFAULT_SUITE, legConfig, parseOfferSdp, type LocalPort } from './sdp-bridge.ts';

/** An own offer sent, waiting for its answer. */
export interface OwnOffer {
  readonly offer: SessionDescription;
  readonly keys: readonly SdesKey[];
  readonly latch: LatchPolicy;
  /** The leg this one is relayed to, once both have negotiated. */
  readonly peerLegId?: string;
}

const TELEPHONE_EVENT_PT = 101;

export function createOwnOffer(o: {
  readonly identity: SdpIdentity;
  readonly endpoint: LocalPort;
  /** What the leg negotiated so far (a re-INVITE), if anything. */
  readonly current?: LegMediaConfig;
  /** What the other leg negotiated, if it has. */
  readonly peer?: LegMediaConfig;
  /** RTP/SAVP with one key (the leg's current one, else `newKey()`), or RTP/AVP. */
  readonly srtp: 'sdes' | 'plain';
  readonly newKey: () => Buffer;
}): { offer: SessionDescription; keys: SdesKey[] } {
  const first: G711Codec = o.current?.codec ?? o.peer?.codec ?? 'PCMU';
  const codecs: G711Codec[] = [first, first === 'PCMU' ? 'PCMA' : 'PCMU'];
  const keys: SdesKey[] =
    o.srtp === 'sdes' ? [o.current?.srtp ? { suite: o.current.srtp.suite, keySalt: Buffer.from(o.current.srtp.localKeySalt) } : { suite: DEFAULT_SUITE, keySalt: o.newKey() }] : [];
  // The peer's direction is the relay's toward it: what the relay sends there it must receive here, and the reverse.
  const peer = o.peer ? directionFlags(o.peer.direction) : { send: true, recv: true };
  const te = o.current?.telephoneEventPayloadType ?? (o.peer && o.peer.telephoneEventPayloadType === undefined ? undefined : TELEPHONE_EVENT_PT);
  const offer = createAudioOffer({
    identity: o.identity,
    endpoint: o.endpoint,
    codecs,
    ...(te !== undefined ? { telephoneEventPayloadType: te } : {}),
    direction: directionFromFlags(peer.recv, peer.send),
    ptimeMs: o.current?.ptimeMs ?? o.peer?.ptimeMs ?? 20,
    srtpKeys: keys,
  });
  return { offer, keys };
}

/** The leg's media settings from the phone's answer; RELAY_NEGOTIATION_FAILED if it does not fit the offer. */
export function readOwnAnswer(pending: OwnOffer, answerText: string): LegMediaConfig {
  const audio = readAudioAnswer(pending.offer, parseOfferSdp(answerText), pending.keys);
  if (!audio.ok) throw new RelayError('RELAY_NEGOTIATION_FAILED', `answer does not fit the offer (${audio.error.code})`);
  return legConfig(audio.value, pending.latch);
}
