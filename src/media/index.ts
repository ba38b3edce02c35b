// Sotto's media layer: pure codecs and state for RTP media. It knows nothing
// of practices, calls or SIP; pbx/ and the media workers build on it.

export { err, ok, type MediaError, type Result } from './result.ts';

// RTP and RTCP (RFC 3550)
export {
  isSequenceNewer,
  parseRtpPacket,
  RTP_FIXED_HEADER_LENGTH,
  rtpHeaderLength,
  serializeRtpPacket,
  type RtpHeaderExtension,
  type RtpPacket,
  type RtpParseError,
  type RtpParseErrorCode,
} from './rtp/packet.ts';
export { RtpPacketizer, type RtpPacketizerOptions } from './rtp/packetizer.ts';
export { PeerLatch, type LatchPolicy, type LatchVerdict, type MediaAddress, type PeerLatchState } from './rtp/peer-latch.ts';
export {
  parseRtcpCompound,
  serializeRtcpCompound,
  serializeRtcpPacket,
  type RtcpOtherPacket,
  type RtcpPacket,
  type RtcpParseError,
  type RtcpParseErrorCode,
  type RtcpParseOptions,
} from './rtcp/compound.ts';
export { RTCP_RR, RTCP_SR, type RtcpReceiverReport, type RtcpReportBlock, type RtcpSenderReport } from './rtcp/report.ts';
export { cnameSdes, RTCP_SDES, SdesItemType, type RtcpSourceDescription, type SdesChunk, type SdesItem } from './rtcp/sdes.ts';
export { RTCP_BYE, type RtcpGoodbye } from './rtcp/bye.ts';
export { RtpReceiverStatistics, type ReceiverStatisticsOptions, type SequenceVerdict } from './rtcp/receiver-statistics.ts';
export { RtpSenderStatistics, unixMsToNtp } from './rtcp/sender-statistics.ts';

// G.711
export {
  ALAW_SILENCE,
  ALAW_TO_ULAW,
  alawToLinear,
  decodeAlaw,
  decodeG711,
  decodeUlaw,
  encodeAlaw,
  encodeG711,
  encodeUlaw,
  g711Silence,
  linearToAlaw,
  linearToUlaw,
  transcodeG711,
  ULAW_SILENCE,
  ULAW_TO_ALAW,
  ulawToLinear,
  type G711Law,
} from './codecs/g711.ts';

// DTMF: RFC 4733 events, in-band tones
export { digitFrequencies, digitToEvent, eventToDigit, isDtmfDigit, type DtmfDigit } from './dtmf/keypad.ts';
export {
  parseTelephoneEvent,
  serializeTelephoneEvent,
  type TelephoneEvent,
  type TelephoneEventParseError,
} from './dtmf/telephone-event.ts';
export {
  TelephoneEventReceiver,
  type ReceivedTelephoneEvent,
  type TelephoneEventPacket,
} from './dtmf/telephone-event-receiver.ts';
export { telephoneEventTrain, type ScheduledRtpPacket, type TelephoneEventTrainOptions } from './dtmf/telephone-event-sender.ts';
export { InbandDtmfDetector, type DetectedDtmfDigit, type InbandDtmfDetectorOptions } from './dtmf/inband-detector.ts';
export { concatPcm, generateDtmfTone, generateTone, silence as silentPcm, type ToneOptions } from './dtmf/tone-generator.ts';

// Audio analysis
export { dbfs, goertzelPower, meanSquare } from './analysis/goertzel.ts';
export {
  detectToneSegments,
  dominantFrequency,
  type FrequencyEstimateOptions,
  type ToneDetectionOptions,
  type ToneSegment,
} from './analysis/tone-detector.ts';

// Jitter buffer
export {
  JitterBuffer,
  type JitterBufferOptions,
  type JitterBufferState,
  type JitterBufferStats,
  type JitterClock,
  type JitterFrame,
  type JitterFrameKind,
  type JitterPacket,
  type JitterPushOutcome,
} from './jitter/jitter-buffer.ts';

// WAV files
export {
  bytesToPcm16,
  parseWav,
  pcm16ToBytes,
  wavHeader,
  writeWav,
  type WavAudio,
  type WavEncoding,
  type WavParseError,
  type WavWriteOptions,
} from './wav.ts';

// SDP and offer/answer
export {
  parseSdp,
  serializeSdp,
  type SdpAttribute,
  type SdpConnection,
  type SdpLine,
  type SdpMedia,
  type SdpOrigin,
  type SdpParseError,
  type SessionDescription,
} from './sdp/session-description.ts';
export {
  directionFlags,
  directionFromFlags,
  effectiveDirection,
  fmtp,
  isHeld,
  mediaConnectionAddress,
  mediaDirection,
  ptimeMs,
  rtcpPort,
  rtpMaps,
  type MediaDirection,
  type RtpMap,
} from './sdp/media-format.ts';
export {
  parseCryptoAttribute,
  serializeCryptoAttribute,
  type CryptoAttribute,
  type CryptoAttributeParseError,
  type SdesKeyParam,
} from './sdp/crypto-attribute.ts';
export {
  answerAudioOffer,
  createAudioOffer,
  holdDirection,
  mkiBytes,
  readAudioAnswer,
  resumeDirection,
  type AudioAnswerOptions,
  type AudioOfferOptions,
  type G711Codec,
  type LocalAudioEndpoint,
  type NegotiatedAudio,
  type NegotiatedSrtp,
  type SdesKey,
  type SdpIdentity,
  type SdpNegotiationError,
  type SdpNegotiationErrorCode,
} from './sdp/offer-answer.ts';

// SRTP (RFC 3711)
export {
  AES_CM_128_HMAC_SHA1_32,
  AES_CM_128_HMAC_SHA1_80,
  findSrtpCryptoSuite,
  SRTP_CRYPTO_SUITES,
  type SrtpCryptoSuite,
  type SrtpCryptoSuiteName,
} from './srtp/crypto-suite.ts';
export { deriveSessionKeys, deriveSrtpKey, SrtpLabel, type SrtpSessionKeys } from './srtp/key-derivation.ts';
export { ReplayWindow, type ReplayVerdict } from './srtp/replay-window.ts';
export { SrtpSession, type SrtpError, type SrtpErrorCode, type SrtpSessionOptions } from './srtp/srtp-session.ts';
export * from './relay/index.ts';
