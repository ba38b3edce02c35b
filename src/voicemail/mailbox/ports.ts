// What the mailbox by phone needs from the rest of Sotto, declared here
// structurally (contracts.md): the voicemail store's MailboxAccess and
// GreetingStore, the speech renderer, and the part of the media relay a
// session drives. The voicemail store and the relay satisfy these as they
// are; tests pass in-memory ones.
import type { Actor } from '../../directory/index.ts';

export type { Actor };

export interface MailboxMessage {
  readonly id: string;
  readonly boxId: string;
  readonly receivedAt: string;
  readonly durationMs: number;
  readonly heard: boolean;
  readonly partial: boolean;
}

export interface MailboxAccess {
  /** Messages of one box, unheard first, then newest first. */
  list(boxId: string): Promise<MailboxMessage[]>;
  /** The message's audio as 8 kHz PCM16 (audited as a play by the store). */
  audio(messageId: string, actor: Actor): Promise<Int16Array>;
  markHeard(messageId: string, actor: Actor): Promise<void>;
  delete(messageId: string, actor: Actor): Promise<void>;
  counts(boxId: string): Promise<{ newMessages: number; oldMessages: number }>;
  onChange(listener: (boxId: string) => void): () => void;
}

export type GreetingKind = 'unavailable' | 'busy';

export interface GreetingStore {
  saveGreeting(boxId: string, which: GreetingKind, pcm: Int16Array, actor: Actor): Promise<void>;
}

/** Text to 8 kHz mono PCM16 (src/voicemail/speech). */
export type RenderSpeech = (text: string) => Promise<Int16Array>;

/** The media relay as a session uses it (MediaRelay satisfies this). */
export interface MailboxRelay {
  play(callId: string, legId: string, source: { readonly pcm: Int16Array }): Promise<{ readonly done: Promise<'finished' | 'stopped'>; stop(): Promise<void> }>;
  onDtmf(callId: string, listener: (notice: { readonly legId: string; readonly digit: string }) => void): () => void;
  record(callId: string, source: string, sink: { frame(frame: { readonly index: number; readonly pcm: Int16Array; readonly kind: string }): void; end?(): void }): Promise<{ stop(): Promise<void> }>;
}
