// What MediaRelay's callers hand it (its options) and get back for prompts,
// recordings and forks (media-relay.ts), and how a prompt's source becomes samples;
// kept apart so the relay file holds the relay.

import { decodeG711 } from '../codecs/g711.ts';
import { bytesToPcm16, parseWav } from '../wav.ts';
import type { PortRange } from './port-pool.ts';
import { RelayError } from './relay-error.ts';
import type { AdvertisedAddress } from './sdp-address.ts';

export type PlaySource =
  /** A WAV file's bytes: 8 kHz mono, PCM16 or G.711. */
  | { readonly wav: Uint8Array }
  /** 8 kHz mono samples. */
  | { readonly pcm: Int16Array };

/** A prompt's 8 kHz mono samples; RELAY_UNSUPPORTED_AUDIO for anything else. */
export function playSourcePcm(source: PlaySource): Int16Array {
  if ('pcm' in source) return source.pcm;
  const wav = parseWav(source.wav);
  if (!wav.ok) throw new RelayError('RELAY_UNSUPPORTED_AUDIO', `not a WAV file (${wav.error.code})`);
  const { encoding, sampleRate, channels, data } = wav.value;
  if (sampleRate !== 8000 || channels !== 1) throw new RelayError('RELAY_UNSUPPORTED_AUDIO', 'prompts must be 8 kHz mono');
  if (encoding === 'pcm16') return bytesToPcm16(data);
  return decodeG711(encoding === 'ulaw' ? 'pcmu' : 'pcma', data);
}

export interface PlaybackHandle {
  /** Settles when the prompt has been sent in full, or was stopped or replaced. */
  readonly done: Promise<'finished' | 'stopped'>;
  stop(): Promise<void>;
}

export interface RecordedFrame {
  /** Frame number from the start of the recording; frames arrive in this order. */
  readonly index: number;
  /** 20 ms of 8 kHz PCM16. */
  readonly pcm: Int16Array;
  /** Received audio, concealment of a loss, or silence (nothing received). */
  readonly kind: 'audio' | 'concealed' | 'silence';
}

export interface RecordingSink {
  frame(frame: RecordedFrame): void;
  /** After the last frame: the recording was stopped or its call deleted. */
  end?(): void;
}

export interface RecordingHandle {
  stop(): Promise<void>;
}

export interface ForkHandle {
  stop(): Promise<void>;
}

export interface MediaRelayOptions {
  /** Local address media sockets bind to. */
  readonly bindAddress: string;
  /** Address written into SDP c= and o=, one or per peer (sdp-address.ts); default bindAddress. */
  readonly advertisedAddress?: AdvertisedAddress;
  readonly portRange: PortRange;
  /** Worker threads; default one per core. */
  readonly workers?: number;
  /** No RTP or RTCP from either leg (nor a new offer/answer) for this long raises onInactive; default 60 s. */
  readonly inactivityTimeoutMs?: number;
  /**
   * The same for a call on hold (a leg's SDP direction sendonly, recvonly or
   * inactive, or c=0.0.0.0): a held stream carries no RTP by design (RFC
   * 3264 §5.1, §8.4) and many phones send no RTCP meanwhile; default 1 h,
   * still a bound for a held call whose phones died. Resume restores the
   * shorter window, counted from the resume.
   */
  readonly holdInactivityTimeoutMs?: number;
  /**
   * 'held' (tests): both planes' inactivity clock stands still until
   * MediaRelay.advanceClock() moves it, so nothing is reported inactive by
   * the wall clock. Default 'monotonic'.
   */
  readonly clock?: 'monotonic' | 'held';
  /** SO_RCVBUF asked for each media socket; default 2 MiB (the OS may grant less, see stats). */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
  readonly rtcpIntervalMs?: number;
  /**
   * Which plane relays plain calls: 'auto' (default) the native one when it
   * builds and starts, else the JS workers with a logged code; 'native'
   * refuses to start without it; 'js' never uses it.
   */
  readonly dataPlane?: 'auto' | 'native' | 'js';
  /** Where the 'auto' fallback's code goes; default one line on stderr (a code, nothing else). */
  readonly log?: (code: string) => void;
  /**
   * Told when a port of the range is held by another program (EADDRINUSE),
   * such as a second Sotto given the same SOTTO_RTP_PORTS: the relay skips
   * it and tries another pair, up to 8 times a call.
   */
  readonly onPortHeld?: (port: number) => void;
}
