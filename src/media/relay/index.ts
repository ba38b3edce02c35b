// Sotto's media relay: anchors call media off the signalling thread. The
// B2BUA (pbx/) drives it through MediaRelay; nothing else here is for it.

export { MediaRelay, type ForkHandle, type MediaRelayOptions, type PlaybackHandle, type PlaySource, type RecordedFrame, type RecordingHandle, type RecordingSink } from './media-relay.ts';
export type { AnswerOptions, OfferOptions } from './sdp-bridge.ts';
export type { CallStats, DtmfNotice, DtmfSource, LegStats } from './control-messages.ts';
export { isRelayError, RelayError, type RelayErrorCode } from './relay-error.ts';
export { parsePortRange, RtpPortPool, type PortRange, type PortRangeParseError } from './port-pool.ts';
