// The contract between the voicemail store (this folder) and its readers
// other than the API: the mailbox-by-phone menu (mailbox/, which imports
// these types) and the message-waiting lamp (pbx/mwi, which may not import
// voicemail/ and declares the two methods it needs structurally).
import type { Actor } from '../directory/index.ts';

export interface MailboxMessage {
  readonly id: string;
  readonly boxId: string;
  readonly receivedAt: string /* ISO */;
  readonly durationMs: number;
  readonly heard: boolean;
  readonly partial: boolean;
}

export interface MailboxAccess {
  /** Messages of one box, unheard first, then newest first. */
  list(boxId: string): Promise<MailboxMessage[]>;
  /** The message's audio as 8 kHz PCM16 (opened from the vault; audited as a play). */
  audio(messageId: string, actor: Actor): Promise<Int16Array>;
  markHeard(messageId: string, actor: Actor): Promise<void>;
  delete(messageId: string, actor: Actor): Promise<void>;
  /** Count for MWI (RFC 3842 Voice-Message: new/old). */
  counts(boxId: string): Promise<{ newMessages: number; oldMessages: number }>;
  /** Called by the store after every commit, heard-mark or delete of a box's message (MWI hooks here). */
  onChange(listener: (boxId: string) => void): () => void;
}
