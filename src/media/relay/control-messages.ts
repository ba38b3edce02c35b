// The messages between the main thread (MediaRelay) and a media worker.
// Plain structured-clone data only: a relay in another process (or a
// dedicated one such as rtpengine behind its ng protocol) would carry the
// same operations, so nothing here may depend on sharing memory.

import type { G711Codec } from '../sdp/offer-answer.ts';
import type { MediaDirection } from '../sdp/media-format.ts';
import type { SrtpCryptoSuiteName } from '../srtp/crypto-suite.ts';
import type { LatchPolicy } from '../rtp/peer-latch.ts';
import type { RelayErrorCode } from './relay-error.ts';

/** What one leg negotiated, from the relay's side of that leg. */
export interface LegMediaConfig {
  /** Where the leg's phone asked for RTP and RTCP (SDP c=/m=/a=rtcp). */
  readonly remoteAddress: string;
  readonly remotePort: number;
  readonly remoteRtcpPort: number;
  readonly codec: G711Codec;
  readonly payloadType: number;
  readonly telephoneEventPayloadType?: number;
  readonly ptimeMs: number;
  /** What the relay does toward this leg: send to it, receive from it. */
  readonly direction: MediaDirection;
  readonly latch: LatchPolicy;
  readonly srtp?: {
    readonly suite: SrtpCryptoSuiteName;
    /** Our key: protects what we send to the leg. */
    readonly localKeySalt: Uint8Array;
    /** The leg's key: unprotects what it sends. */
    readonly remoteKeySalt: Uint8Array;
    readonly remoteMki?: Uint8Array;
  };
}

export interface WorkerSettings {
  readonly recvBufferSize: number;
  readonly sendBufferSize: number;
  /** No RTP or RTCP from either leg, nor a new offer/answer, for this long: the call is reported inactive. */
  readonly inactivityTimeoutMs: number;
  /** The same while the call is on hold (a leg's SDP not flowing both ways). */
  readonly holdInactivityTimeoutMs: number;
  /** Tests: the inactivity clock stands still at 0 and moves only on a 'clock' request. */
  readonly heldClock: boolean;
  /** RFC 3550 §6.2: our own SR/RR interval toward each leg. */
  readonly rtcpIntervalMs: number;
  readonly cname: string;
}

export interface LegToConfigure {
  readonly legId: string;
  readonly peerLegId?: string;
  readonly config: LegMediaConfig;
}

export type PlayAudio = { readonly pcm: Int16Array };

export type ControlRequest =
  /** Binds every leg an offer needs in one round trip; all or none (a failure closes what this request bound). */
  | { readonly op: 'bind'; readonly callId: string; readonly address: string; readonly legs: readonly { readonly legId: string; readonly port: number }[] }
  /**
   * Configures the legs an answer negotiated in one round trip, after
   * renaming the placeholder leg the offer bound (`rename`). A leg without
   * peerLegId ends at the relay (Sotto answered it: voicemail, prompts).
   */
  | { readonly op: 'configure'; readonly callId: string; readonly rename?: { readonly from: string; readonly to: string }; readonly legs: readonly LegToConfigure[] }
  | { readonly op: 'delete'; readonly callId: string }
  | { readonly op: 'play'; readonly callId: string; readonly legId: string; readonly playId: number; readonly pcm: Int16Array; readonly loop: boolean }
  | { readonly op: 'stop-play'; readonly callId: string; readonly playId: number }
  | { readonly op: 'record'; readonly callId: string; readonly source: string; readonly recordId: number; readonly port: MessagePortLike }
  | { readonly op: 'stop-record'; readonly callId: string; readonly recordId: number }
  | { readonly op: 'fork'; readonly callId: string; readonly legId: string; readonly forkId: number; readonly address: string; readonly port: number }
  | { readonly op: 'stop-fork'; readonly callId: string; readonly forkId: number }
  | { readonly op: 'dtmf'; readonly callId: string; readonly inband: boolean }
  | { readonly op: 'stats'; readonly callId: string }
  /** Held clock only: moves it on by advanceMs and runs the inactivity check; its events go out before the reply. */
  | { readonly op: 'clock'; readonly advanceMs: number };

/** A worker_threads MessagePort, typed loosely so this file stays free of node types in messages. */
export interface MessagePortLike {
  postMessage(value: unknown, transfer?: readonly unknown[]): void;
  close(): void;
}

export interface RequestEnvelope {
  readonly id: number;
  readonly request: ControlRequest;
}

export type ReplyEnvelope =
  | { readonly kind: 'reply'; readonly id: number; readonly ok: true; readonly value?: unknown }
  | { readonly kind: 'reply'; readonly id: number; readonly ok: false; readonly code: RelayErrorCode; readonly message: string };

/** `sip-info`: reported by the signalling (an INFO, RFC 6086), not found in the media. */
export type DtmfSource = 'rfc4733' | 'inband' | 'sip-info';

export interface DtmfNotice {
  readonly callId: string;
  readonly legId: string;
  readonly digit: string;
  readonly source: DtmfSource;
  readonly durationMs: number;
}

export type WorkerEvent =
  /** The worker loaded its code and takes requests. */
  | { readonly kind: 'ready' }
  | { readonly kind: 'dtmf'; readonly notice: DtmfNotice }
  | { readonly kind: 'inactive'; readonly callId: string; readonly idleMs: number }
  | { readonly kind: 'play-ended'; readonly callId: string; readonly playId: number; readonly reason: 'finished' | 'stopped' };

export type WorkerMessage = ReplyEnvelope | WorkerEvent;

/** Counters for one leg, as stats() returns them. */
export interface LegStats {
  readonly legId: string;
  readonly localPort: number;
  readonly latched: boolean;
  /** RTP packets accepted from the leg's phone. */
  readonly packetsReceived: number;
  /** RTP packets sent to the leg's phone (relayed and played). */
  readonly packetsSent: number;
  /** Packets from any address other than the latched peer, or failing the latch check. */
  readonly packetsRefused: number;
  readonly packetsMalformed: number;
  /** SRTP packets that failed authentication or replay checks. */
  readonly srtpFailures: number;
  /** Packets with a payload type the leg did not negotiate. */
  readonly unexpectedPayloadType: number;
  readonly rtcpReceived: number;
  readonly rtcpSent: number;
  /** From the leg's stream, per RFC 3550 §A.3 and §A.8. */
  readonly cumulativeLost: number;
  readonly jitterMs: number;
  /** What the OS actually granted for SO_RCVBUF (it may cap the request). */
  readonly recvBufferSize: number;
}

export interface CallStats {
  readonly callId: string;
  readonly legs: readonly LegStats[];
}
