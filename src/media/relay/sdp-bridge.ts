// The SDP side of anchoring a call: the relay sits between two offer/answer
// exchanges (RFC 3264), one with each leg.
//
//   offerer --offer--> relay --offer'--> answerer
//   offerer <-answer'- relay <-answer--  answerer
//
// offer' names the relay's port facing the answerer, the codecs the relay
// will accept there (the offerer's, then with `transcode` the other G.711
// law, which the relay converts) and the relay's own SRTP key for that leg;
// answer' names the relay's port facing the offerer and is built only once
// the answerer has chosen, preferring the answerer's codec so no
// transcoding is needed when the offerer has it too. SRTP is terminated per
// leg: each leg gets its own keys (RFC 4568 §6.1), so one leg may be SRTP
// and the other plain RTP. Descriptions come back unversioned: the relay
// stamps each with the o= version of the leg it goes to (sdp-origins.ts).

import { randomBytes } from 'node:crypto';
import type { LatchPolicy } from '../rtp/peer-latch.ts';
import { effectiveDirection, rtpMaps } from '../sdp/media-format.ts';
import {
  answerAudioOffer,
  createAudioOffer,
  readAudioAnswer,
  type G711Codec,
  type NegotiatedAudio,
  type SdesKey,
  type SdpIdentity,
} from '../sdp/offer-answer.ts';
import { parseSdp, type SessionDescription } from '../sdp/session-description.ts';
import { SRTP_CRYPTO_SUITES, type SrtpCryptoSuiteName } from '../srtp/crypto-suite.ts';
import type { LegMediaConfig } from './control-messages.ts';
import { RelayError } from './relay-error.ts';

export interface OfferOptions {
  /** Codecs offered to the answerer, in order; default the offerer's G.711 codecs. Naming one the offerer lacks makes the relay transcode. */
  readonly codecs?: readonly G711Codec[];
  /**
   * Offer the answerer the offerer's G.711 codecs first, then the law the
   * offerer lacks (the relay transcodes if the answerer takes only that one):
   * a mu-law-only phone can reach an A-law-only one. Ignored with `codecs`.
   */
  readonly transcode?: boolean;
  /** SRTP toward the answerer: 'sdes' offers RTP/SAVP, 'plain' RTP/AVP, 'same' (default) as the offerer did. */
  readonly srtp?: 'same' | 'sdes' | 'plain';
  /** Payload type for telephone-event toward the answerer; default the offerer's. */
  readonly telephoneEventPayloadType?: number;
  /** How each leg's peer address is learned; default latch-once (phones behind NAT). */
  readonly latch?: LatchPolicy;
  /**
   * 'js' keeps the call on the JS workers from the start, for a caller that
   * knows it will record, fork, play or detect DTMF on it (a later move
   * works too, but loses the packets of a millisecond); default 'auto'.
   */
  readonly dataPlane?: 'auto' | 'js';
  /** The IP of the phone the offer goes to, when the relay's advertised address is chosen per peer. */
  readonly toward?: string;
}

export interface AnswerOptions {
  /** Policy: refuse an offerer that did not offer SRTP. */
  readonly requireSrtp?: boolean;
  /** The IP of the phone the answer goes to (the offerer), when the relay's advertised address is chosen per peer. */
  readonly toward?: string;
}

export interface LocalPort {
  readonly address: string;
  readonly port: number;
}

/** One pending or completed exchange: what the relay needs to finish it. */
export interface Exchange {
  readonly offererLegId: string;
  readonly offer: SessionDescription;
  readonly offerToPeer: SessionDescription;
  readonly keysToPeer: readonly SdesKey[];
  readonly latch: LatchPolicy;
}

export const SUITES = Object.keys(SRTP_CRYPTO_SUITES) as SrtpCryptoSuiteName[];
export const DEFAULT_SUITE: SrtpCryptoSuiteName = 'AES_CM_128_HMAC_SHA1_80';
const G711: readonly G711Codec[] = ['PCMU', 'PCMA'];

export function parseOfferSdp(text: string): SessionDescription {
  const parsed = parseSdp(text);
  if (!parsed.ok) throw new RelayError('RELAY_BAD_SDP', `SDP does not parse (${parsed.error.code})`);
  return parsed.value;
}

/** Builds offer' toward the answerer from the offerer's offer. */
export function bridgeOffer(
  offererLegId: string,
  offer: SessionDescription,
  towardPeer: LocalPort,
  identity: SdpIdentity,
  options: OfferOptions,
): Exchange {
  const audio = offer.media.find((m) => m.type === 'audio' && m.port !== 0);
  if (!audio) throw new RelayError('RELAY_NEGOTIATION_FAILED', 'offer has no audio stream');
  const maps = rtpMaps(audio);
  const offered = maps.map((m) => m.encoding.toUpperCase()).filter((e): e is G711Codec => e === 'PCMU' || e === 'PCMA');
  if (offered.length === 0) throw new RelayError('RELAY_NEGOTIATION_FAILED', 'offer has no G.711 codec');
  // Check now that the offer can be answered at all (crypto, transport), so the failure comes before the answerer rings.
  const probe = answerAudioOffer(offer, offererAnswerOptions(towardPeer, identity, G711, 'sendrecv', {}, probeKey));
  if (!probe.ok) throw new RelayError('RELAY_NEGOTIATION_FAILED', `offer cannot be answered (${probe.error.code})`);
  const te = maps.find((m) => m.encoding.toLowerCase() === 'telephone-event' && m.clockRate === 8000);
  const srtpMode = options.srtp ?? 'same';
  const wantsSrtp = srtpMode === 'sdes' || (srtpMode === 'same' && audio.protocol === 'RTP/SAVP');
  const keysToPeer: SdesKey[] = wantsSrtp ? [{ suite: DEFAULT_SUITE, keySalt: randomBytes(30) }] : [];
  const teToPeer = te ? (options.telephoneEventPayloadType ?? te.payloadType) : undefined;
  const offerToPeer = createAudioOffer({
    identity,
    endpoint: towardPeer,
    codecs: dedupe(options.codecs ?? (options.transcode ? [...offered, ...G711] : offered)),
    ...(teToPeer !== undefined ? { telephoneEventPayloadType: teToPeer } : {}),
    // A legacy hold (c=0.0.0.0) is passed on as what it is: sendonly from the holder.
    direction: effectiveDirection(offer, audio),
    ptimeMs: probe.value.audio.ptimeMs,
    srtpKeys: keysToPeer,
  });
  return { offererLegId, offer, offerToPeer, keysToPeer, latch: options.latch ?? 'latch-once' };
}

/** Reads the answerer's answer and builds answer' for the offerer, with both legs' media settings. */
export function bridgeAnswer(
  exchange: Exchange,
  answerText: string,
  towardOfferer: LocalPort,
  identity: SdpIdentity,
  /** The relay's SRTP key toward the offerer; asked for only when the offerer offered SRTP. */
  offererKey: () => Buffer,
  options: AnswerOptions,
): { answerToOfferer: SessionDescription; offererLeg: LegMediaConfig; answererLeg: LegMediaConfig } {
  const answer = parseOfferSdp(answerText);
  const peer = readAudioAnswer(exchange.offerToPeer, answer, exchange.keysToPeer);
  if (!peer.ok) throw new RelayError('RELAY_NEGOTIATION_FAILED', `answer does not fit the offer (${peer.error.code})`);
  const peerAudio = peer.value;
  const other: G711Codec = peerAudio.codec === 'PCMU' ? 'PCMA' : 'PCMU';
  const answerMedia = answer.media.find((m) => m.type === 'audio' && m.port !== 0);
  // The answerer's direction, seen from the relay, is what the relay may do toward the offerer.
  const direction = answerMedia ? effectiveDirection(answer, answerMedia) : 'inactive';
  const ours = answerAudioOffer(
    exchange.offer,
    offererAnswerOptions(towardOfferer, identity, [peerAudio.codec, other], direction, options, offererKey),
  );
  if (!ours.ok) throw new RelayError('RELAY_NEGOTIATION_FAILED', `offer cannot be answered (${ours.error.code})`);
  return {
    answerToOfferer: ours.value.answer,
    offererLeg: legConfig(ours.value.audio, exchange.latch),
    answererLeg: legConfig(peerAudio, exchange.latch),
  };
}

/** Sotto answers the offer itself (voicemail, an announcement): no other leg. */
export function answerLocally(
  offer: SessionDescription,
  local: LocalPort,
  identity: SdpIdentity,
  key: () => Buffer,
  options: AnswerOptions & { readonly codecs?: readonly G711Codec[]; readonly latch?: LatchPolicy },
): { answer: SessionDescription; leg: LegMediaConfig } {
  const r = answerAudioOffer(offer, offererAnswerOptions(local, identity, options.codecs ?? G711, 'sendrecv', options, key));
  if (!r.ok) throw new RelayError('RELAY_NEGOTIATION_FAILED', `offer cannot be answered (${r.error.code})`);
  return { answer: r.value.answer, leg: legConfig(r.value.audio, options.latch ?? 'latch-once') };
}

/** The key the probe answer in bridgeOffer is made with; the answer is thrown away. */
const PROBE_KEY = Buffer.alloc(30);
const probeKey = (): Buffer => PROBE_KEY;

function offererAnswerOptions(
  endpoint: LocalPort,
  identity: SdpIdentity,
  codecs: readonly G711Codec[],
  direction: ReturnType<typeof effectiveDirection>,
  options: AnswerOptions,
  key: () => Buffer,
) {
  return {
    identity,
    endpoint,
    codecs,
    telephoneEvents: true,
    direction,
    srtp: { required: options.requireSrtp ?? false, suites: SUITES, newKey: key },
  };
}

export function legConfig(audio: NegotiatedAudio, latch: LatchPolicy): LegMediaConfig {
  return {
    remoteAddress: audio.remoteAddress,
    remotePort: audio.remotePort,
    remoteRtcpPort: audio.remoteRtcpPort,
    codec: audio.codec,
    payloadType: audio.payloadType,
    ...(audio.telephoneEventPayloadType !== undefined ? { telephoneEventPayloadType: audio.telephoneEventPayloadType } : {}),
    ptimeMs: audio.ptimeMs,
    direction: audio.direction,
    latch,
    ...(audio.srtp
      ? {
          srtp: {
            suite: audio.srtp.suite.name,
            localKeySalt: audio.srtp.localKeySalt,
            remoteKeySalt: audio.srtp.remoteKeySalt,
            ...(audio.srtp.remoteMki ? { remoteMki: audio.srtp.remoteMki } : {}),
          },
        }
      : {}),
  };
}

function dedupe<T>(xs: readonly T[]): T[] {
  return [...new Set(xs)];
}
