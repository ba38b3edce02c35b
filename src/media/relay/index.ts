// Sotto's media relay: anchors call media off the signalling thread. The
// B2BUA (pbx/) drives it through MediaRelay:
//
//   relay = await MediaRelay.start({ bindAddress, portRange: parsePortRange(SOTTO_RTP_PORTS) })
//   INVITE from A:   sdpForB = await relay.offer(callId, 'a', sdpFromA, { peerLegId?, toward? })
//   forked to more:  sdpForB2 = relay.offerToward(callId, phone2Ip)   (same leg, our address facing it)
//   200 OK from B:   sdpForA = await relay.answer(callId, 'b', sdpFromB)
//   Sotto answers:   sdpForA = await relay.answerOffer(callId, 'a', sdpFromA)   (voicemail)
//   no offer from A: offerForA = await relay.ownOffer(callId, 'a', { peerLegId? })   (in our 2xx)
//    its answer:     await relay.takeAnswer(callId, 'a', sdpFromAck)
//   re-INVITE:       offer()/answer() again, from either leg
//   BYE:             await relay.delete(callId)
//   play / record / fork / onDtmf / stats / onInactive as documented on MediaRelay.
//
// Plain calls (RTP/AVP both legs, one codec) are relayed byte-exact by the
// native data plane (native/relay, built with `cc` at first start); SRTP,
// transcoding, prompts, recording, forks and DTMF detection run on JS
// worker threads, and a call moves there when it first needs one of them
// (see media-relay.ts). relay.dataPlane says which plane plain calls get.
//
// Expected failures reject with RelayError (stable `code`).

export { MediaRelay, type ForkHandle, type MediaRelayOptions, type PlaybackHandle, type PlaySource, type RecordedFrame, type RecordingHandle, type RecordingSink } from './media-relay.ts';
export type { AnswerOptions, OfferOptions } from './sdp-bridge.ts';
export type { CallStats, DtmfNotice, DtmfSource, LegStats } from './control-messages.ts';
export { isRelayError, RelayError, type RelayErrorCode } from './relay-error.ts';
export { parsePortRange, RtpPortPool, type PortRange, type PortRangeParseError } from './port-pool.ts';
