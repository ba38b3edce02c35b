// The RFC 3264 offer/answer model for the one kind of session Sotto's media
// plane speaks: a single audio stream, G.711 (PCMU/PCMA) plus RFC 4733
// telephone-events, plain RTP or SDES-keyed SRTP (RFC 4568).
//
// Each side builds a NegotiatedAudio from the exchange: where to send, which
// payload types mean what, which direction flows, and (for SRTP) which key
// protects each direction. Media sections we cannot take (video, DTLS-SRTP,
// audio with no common codec) are refused in the answer with port 0, kept
// in place as §6 requires.

import { err, ok, type MediaError, type Result } from '../result.ts';
import { findSrtpCryptoSuite, type SrtpCryptoSuite, type SrtpCryptoSuiteName } from '../srtp/crypto-suite.ts';
import { parseCryptoAttribute, serializeCryptoAttribute, type CryptoAttribute } from './crypto-attribute.ts';
import {
  directionFlags,
  directionFromFlags,
  fmtp,
  isHeld,
  mediaConnectionAddress,
  mediaDirection,
  ptimeMs,
  rtcpPort,
  rtpMaps,
  type MediaDirection,
  type RtpMap,
} from './media-format.ts';
import type { SdpAttribute, SdpMedia, SdpOrigin, SessionDescription } from './session-description.ts';

export type G711Codec = 'PCMU' | 'PCMA';

const STATIC_PT: Readonly<Record<G711Codec, number>> = { PCMU: 0, PCMA: 8 };

export interface LocalAudioEndpoint {
  readonly address: string;
  readonly port: number;
  readonly addrType?: 'IP4' | 'IP6';
}

export interface SdpIdentity {
  readonly username?: string;
  readonly sessionId: string;
  /** Increment on every new offer or answer in a dialog (RFC 3264 §8). */
  readonly sessionVersion: string;
}

export interface SdesKey {
  readonly suite: SrtpCryptoSuiteName;
  /** Master key followed by master salt (30 octets for the AES-128 suites). */
  readonly keySalt: Buffer;
}

export interface AudioOfferOptions {
  readonly identity: SdpIdentity;
  readonly endpoint: LocalAudioEndpoint;
  /** In order of preference. */
  readonly codecs: readonly G711Codec[];
  /** Dynamic payload type for telephone-event; omitted means do not offer it. */
  readonly telephoneEventPayloadType?: number;
  readonly direction?: MediaDirection;
  readonly ptimeMs?: number;
  /** Offer SRTP (RTP/SAVP) with these keys, one a=crypto line each, tags 1, 2, … */
  readonly srtpKeys?: readonly SdesKey[];
}

export interface NegotiatedSrtp {
  readonly suite: SrtpCryptoSuite;
  /** Our key: protects what we send. */
  readonly localKeySalt: Buffer;
  /** The peer's key: unprotects what we receive. */
  readonly remoteKeySalt: Buffer;
  /** The MKI the peer puts in its packets, when its crypto line named one. */
  readonly remoteMki?: Buffer;
}

export interface NegotiatedAudio {
  /** Where to send RTP. */
  readonly remoteAddress: string;
  readonly remotePort: number;
  /** Where to send RTCP (a=rtcp, a=rtcp-mux, else RTP port + 1). */
  readonly remoteRtcpPort: number;
  readonly codec: G711Codec;
  readonly payloadType: number;
  readonly telephoneEventPayloadType?: number;
  readonly ptimeMs: number;
  /** What we do: send, receive, both or neither. */
  readonly direction: MediaDirection;
  /** The peer put the call on hold (RFC 3264 §8.4). */
  readonly remoteHold: boolean;
  readonly srtp?: NegotiatedSrtp;
}

export type SdpNegotiationErrorCode =
  | 'SDP_NO_AUDIO'
  | 'SDP_NO_COMMON_CODEC'
  | 'SDP_SRTP_REQUIRED'
  | 'SDP_NO_COMMON_CRYPTO'
  | 'SDP_ANSWER_MISMATCH';

export type SdpNegotiationError = MediaError<SdpNegotiationErrorCode>;

export function createAudioOffer(options: AudioOfferOptions): SessionDescription {
  const attributes: SdpAttribute[] = [];
  const formats: string[] = [];
  for (const codec of options.codecs) {
    formats.push(String(STATIC_PT[codec]));
    attributes.push({ name: 'rtpmap', value: `${STATIC_PT[codec]} ${codec}/8000` });
  }
  const te = options.telephoneEventPayloadType;
  if (te !== undefined) {
    formats.push(String(te));
    attributes.push({ name: 'rtpmap', value: `${te} telephone-event/8000` }, { name: 'fmtp', value: `${te} 0-16` });
  }
  attributes.push({ name: 'ptime', value: String(options.ptimeMs ?? 20) });
  const keys = options.srtpKeys ?? [];
  keys.forEach((k, i) => {
    attributes.push({ name: 'crypto', value: serializeCryptoAttribute({ tag: i + 1, suite: k.suite, keyParams: [{ keySalt: k.keySalt }], sessionParams: [] }) });
  });
  attributes.push({ name: options.direction ?? 'sendrecv' });
  return describe(options.identity, options.endpoint, {
    type: 'audio',
    port: options.endpoint.port,
    protocol: keys.length > 0 ? 'RTP/SAVP' : 'RTP/AVP',
    formats,
    bandwidths: [],
    attributes,
    otherLines: [],
  });
}

export interface AudioAnswerOptions {
  readonly identity: SdpIdentity;
  readonly endpoint: LocalAudioEndpoint;
  readonly codecs: readonly G711Codec[];
  /** Accept telephone-events when offered. */
  readonly telephoneEvents?: boolean;
  /** The most we are willing to do; narrowed by what the offer allows. */
  readonly direction?: MediaDirection;
  readonly ptimeMs?: number;
  readonly srtp?: {
    /** Practice policy: refuse plain RTP. */
    readonly required: boolean;
    /** In order of preference. */
    readonly suites: readonly SrtpCryptoSuiteName[];
    /** A fresh key for the suite chosen; called once. */
    readonly newKey: (suite: SrtpCryptoSuite) => Buffer;
  };
}

export function answerAudioOffer(
  offer: SessionDescription,
  options: AudioAnswerOptions,
): Result<{ answer: SessionDescription; audio: NegotiatedAudio }, SdpNegotiationError> {
  let chosen: { index: number; media: SdpMedia; audio: NegotiatedAudio } | undefined;
  let failure: SdpNegotiationError | undefined;
  const answered: SdpMedia[] = offer.media.map((m, index) => {
    if (chosen || m.type !== 'audio' || m.port === 0) return refuse(m);
    const r = acceptAudio(offer, m, options);
    if (!r.ok) {
      failure ??= r.error;
      return refuse(m);
    }
    chosen = { index, media: r.value.media, audio: r.value.audio };
    return r.value.media;
  });
  if (!chosen) return { ok: false, error: failure ?? { code: 'SDP_NO_AUDIO', message: 'offer has no usable audio stream' } };
  const answer = describe(options.identity, options.endpoint, ...answered);
  return ok({ answer, audio: chosen.audio });
}

function acceptAudio(
  offer: SessionDescription,
  m: SdpMedia,
  options: AudioAnswerOptions,
): Result<{ media: SdpMedia; audio: NegotiatedAudio }, SdpNegotiationError> {
  const srtpOffered = m.protocol === 'RTP/SAVP';
  if (m.protocol !== 'RTP/AVP' && !srtpOffered) return err('SDP_NO_AUDIO', `transport ${m.protocol} not supported`);
  const maps = rtpMaps(m);
  // RFC 3264 §6.1: our preference decides among the codecs both sides have.
  let codec: { name: G711Codec; map: RtpMap } | undefined;
  for (const name of options.codecs) {
    const map = maps.find((x) => x.encoding.toUpperCase() === name && x.clockRate === 8000);
    if (map) {
      codec = { name, map };
      break;
    }
  }
  if (!codec) return err('SDP_NO_COMMON_CODEC', 'no common audio codec');
  const te = options.telephoneEvents
    ? maps.find((x) => x.encoding.toLowerCase() === 'telephone-event' && x.clockRate === 8000)
    : undefined;

  // SRTP: take the first offered line we can do (RFC 4568 §7.1.2), with our own key.
  const offeredCrypto = m.attributes.filter((a) => a.name === 'crypto' && a.value !== undefined);
  let srtp: NegotiatedSrtp | undefined;
  let cryptoLine: CryptoAttribute | undefined;
  if (options.srtp && offeredCrypto.length > 0) {
    for (const a of offeredCrypto) {
      const parsed = parseCryptoAttribute(a.value!);
      if (!parsed.ok) continue;
      const c = parsed.value;
      const suite = findSrtpCryptoSuite(c.suite);
      if (!suite || !options.srtp.suites.includes(suite.name)) continue;
      // One key per direction: several keys (MKI switching), key derivation
      // rates and the UNENCRYPTED_* variants are not implemented.
      const remote = c.keyParams[0]!;
      if (c.keyParams.length !== 1 || c.sessionParams.length > 0) continue;
      const localKeySalt = options.srtp.newKey(suite);
      srtp = { suite, localKeySalt, remoteKeySalt: remote.keySalt, ...(remote.mki ? { remoteMki: mkiBytes(remote.mki) } : {}) };
      cryptoLine = { tag: c.tag, suite: c.suite, keyParams: [{ keySalt: localKeySalt }], sessionParams: [] };
      break;
    }
    // Crypto lines on RTP/AVP are "best effort" SRTP: plain RTP is still an answer then.
    if (!srtp && (srtpOffered || options.srtp.required)) return err('SDP_NO_COMMON_CRYPTO', 'no offered crypto suite is acceptable');
  }
  if (srtpOffered && !srtp) return err('SDP_NO_COMMON_CRYPTO', 'RTP/SAVP offered without a usable a=crypto line');
  if (!srtp && options.srtp?.required) return err('SDP_SRTP_REQUIRED', 'policy requires SRTP and the offer is plain RTP');

  const offered = directionFlags(mediaDirection(offer, m));
  const local = directionFlags(options.direction ?? 'sendrecv');
  // §6.1: we may send only what they receive, and receive only what they send.
  let direction = directionFromFlags(offered.recv && local.send, offered.send && local.recv);
  const remoteAddress = mediaConnectionAddress(offer, m) ?? '0.0.0.0';
  // RFC 2543-style hold: c=0.0.0.0 means "do not send to me".
  if (remoteAddress === '0.0.0.0') direction = directionFromFlags(false, directionFlags(direction).recv);
  const ptime = options.ptimeMs ?? ptimeMs(m) ?? 20;

  const attributes: SdpAttribute[] = [{ name: 'rtpmap', value: `${codec.map.payloadType} ${codec.name}/8000` }];
  const formats = [String(codec.map.payloadType)];
  if (te) {
    formats.push(String(te.payloadType));
    attributes.push(
      { name: 'rtpmap', value: `${te.payloadType} telephone-event/8000` },
      { name: 'fmtp', value: `${te.payloadType} ${fmtp(m, te.payloadType) ?? '0-16'}` },
    );
  }
  attributes.push({ name: 'ptime', value: String(ptime) });
  if (cryptoLine) attributes.push({ name: 'crypto', value: serializeCryptoAttribute(cryptoLine) });
  attributes.push({ name: direction });

  const media: SdpMedia = {
    type: 'audio',
    port: options.endpoint.port,
    protocol: m.protocol,
    formats,
    bandwidths: [],
    attributes,
    otherLines: [],
  };
  return ok({
    media,
    audio: {
      remoteAddress,
      remotePort: m.port,
      remoteRtcpPort: rtcpPort(m),
      codec: codec.name,
      payloadType: codec.map.payloadType,
      ptimeMs: ptime,
      direction,
      remoteHold: isHeld(offer, m),
      ...(te ? { telephoneEventPayloadType: te.payloadType } : {}),
      ...(srtp ? { srtp } : {}),
    },
  });
}

/**
 * The offerer's view once the answer arrives: what the answerer accepted.
 * `offeredKeys` are the keys our offer carried, in tag order.
 */
export function readAudioAnswer(
  offer: SessionDescription,
  answer: SessionDescription,
  offeredKeys: readonly SdesKey[] = [],
): Result<NegotiatedAudio, SdpNegotiationError> {
  const index = offer.media.findIndex((m) => m.type === 'audio' && m.port !== 0);
  const ours = offer.media[index];
  const theirs = answer.media[index];
  if (!ours || !theirs || theirs.type !== 'audio') return err('SDP_ANSWER_MISMATCH', 'answer does not match the offer');
  if (theirs.port === 0) return err('SDP_NO_COMMON_CODEC', 'answerer refused the audio stream');
  const offeredMaps = rtpMaps(ours);
  const answeredMaps = rtpMaps(theirs);
  let codec: { name: G711Codec; payloadType: number } | undefined;
  for (const map of answeredMaps) {
    const name = map.encoding.toUpperCase();
    if ((name === 'PCMU' || name === 'PCMA') && offeredMaps.some((o) => o.encoding.toUpperCase() === name)) {
      codec = { name, payloadType: map.payloadType };
      break;
    }
  }
  if (!codec) return err('SDP_NO_COMMON_CODEC', 'answer names no codec we offered');
  const te = answeredMaps.find((x) => x.encoding.toLowerCase() === 'telephone-event');

  let srtp: NegotiatedSrtp | undefined;
  const cryptoAttr = theirs.attributes.find((a) => a.name === 'crypto' && a.value !== undefined);
  if (offeredKeys.length > 0) {
    if (!cryptoAttr) return err('SDP_NO_COMMON_CRYPTO', 'answer accepted no crypto suite');
    const parsed = parseCryptoAttribute(cryptoAttr.value!);
    if (!parsed.ok) return err('SDP_NO_COMMON_CRYPTO', 'answer crypto line is malformed');
    const ourKey = offeredKeys[parsed.value.tag - 1];
    const suite = findSrtpCryptoSuite(parsed.value.suite);
    const theirKey = parsed.value.keyParams[0];
    // §7.1.3: the answer must echo one of our tags with the same suite.
    if (!ourKey || !suite || ourKey.suite !== suite.name || !theirKey) {
      return err('SDP_NO_COMMON_CRYPTO', 'answer crypto line matches no offered one');
    }
    srtp = {
      suite,
      localKeySalt: ourKey.keySalt,
      remoteKeySalt: theirKey.keySalt,
      ...(theirKey.mki ? { remoteMki: mkiBytes(theirKey.mki) } : {}),
    };
  }

  const answered = directionFlags(mediaDirection(answer, theirs));
  const remoteAddress = mediaConnectionAddress(answer, theirs) ?? '0.0.0.0';
  const ourDirection = directionFlags(mediaDirection(offer, ours));
  const direction = directionFromFlags(
    ourDirection.send && answered.recv && remoteAddress !== '0.0.0.0',
    ourDirection.recv && answered.send,
  );
  return ok({
    remoteAddress,
    remotePort: theirs.port,
    remoteRtcpPort: rtcpPort(theirs),
    codec: codec.name,
    payloadType: codec.payloadType,
    ptimeMs: ptimeMs(theirs) ?? ptimeMs(ours) ?? 20,
    direction,
    remoteHold: isHeld(answer, theirs),
    ...(te ? { telephoneEventPayloadType: te.payloadType } : {}),
    ...(srtp ? { srtp } : {}),
  });
}

/** RFC 3264 §8.4: the direction to offer to put a stream on hold, from its current one. */
export function holdDirection(current: MediaDirection): MediaDirection {
  return current === 'sendrecv' || current === 'sendonly' ? 'sendonly' : 'inactive';
}

/** And back off hold. */
export function resumeDirection(current: MediaDirection): MediaDirection {
  return current === 'sendonly' ? 'sendrecv' : current === 'inactive' ? 'recvonly' : current;
}

/** RFC 4568 §6.1: the MKI value as a big-endian integer of the given length. */
export function mkiBytes(mki: { readonly value: number; readonly length: number }): Buffer {
  const out = Buffer.alloc(mki.length);
  let v = mki.value;
  for (let i = mki.length - 1; i >= 0 && v > 0; i--) {
    out[i] = v & 0xff;
    v = Math.floor(v / 256);
  }
  return out;
}

function refuse(m: SdpMedia): SdpMedia {
  // §6: a refused stream keeps its m= line with port 0 and at least one format.
  return { type: m.type, port: 0, protocol: m.protocol, formats: m.formats.slice(0, 1), bandwidths: [], attributes: [], otherLines: [] };
}

function describe(identity: SdpIdentity, endpoint: LocalAudioEndpoint, ...media: SdpMedia[]): SessionDescription {
  const addrType = endpoint.addrType ?? (endpoint.address.includes(':') ? 'IP6' : 'IP4');
  const origin: SdpOrigin = {
    username: identity.username ?? '-',
    sessionId: identity.sessionId,
    sessionVersion: identity.sessionVersion,
    netType: 'IN',
    addrType,
    address: endpoint.address,
  };
  return {
    origin,
    sessionName: 'Sotto',
    connection: { netType: 'IN', addrType, address: endpoint.address },
    bandwidths: [],
    timing: [{ type: 't', value: '0 0' }],
    attributes: [],
    otherLines: [],
    media,
  };
}
