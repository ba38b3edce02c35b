// What MediaRelay's callers hand it and get back for prompts, recordings
// and forks (media-relay.ts); kept apart so the relay file holds the relay.

export type PlaySource =
  /** A WAV file's bytes: 8 kHz mono, PCM16 or G.711. */
  | { readonly wav: Uint8Array }
  /** 8 kHz mono samples. */
  | { readonly pcm: Int16Array };

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
