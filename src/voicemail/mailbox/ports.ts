// What the mailbox by phone needs from the rest of Sotto: the voicemail
// store's MailboxAccess (mailbox-access.ts) and GreetingStore, the speech
// renderer, and the part of the media relay a session drives. The voicemail
// store and the relay satisfy these as they are; tests pass in-memory ones.
import type { Actor } from '../../directory/index.ts';

export type { Actor };
export type { MailboxAccess, MailboxMessage } from '../mailbox-access.ts';
export type { GreetingStore, GreetingWhich as GreetingKind } from '../greetings.ts';

/** Text to 8 kHz mono PCM16 (src/voicemail/speech). */
export type RenderSpeech = (text: string) => Promise<Int16Array>;

/** The media relay as a session uses it (MediaRelay satisfies this). */
export interface MailboxRelay {
  play(callId: string, legId: string, source: { readonly pcm: Int16Array }): Promise<{ readonly done: Promise<'finished' | 'stopped'>; stop(): Promise<void> }>;
  onDtmf(callId: string, listener: (notice: { readonly legId: string; readonly digit: string }) => void): () => void;
  record(callId: string, source: string, sink: { frame(frame: { readonly index: number; readonly pcm: Int16Array; readonly kind: string }): void; end?(): void }): Promise<{ stop(): Promise<void> }>;
}
