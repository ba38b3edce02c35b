// Every sentence the mailbox by phone speaks, in one place. Plain English,
// short, and free of PHI: prompts never read out a caller's number or name,
// only counts and the menu. Rendered by renderSpeech (offline TTS, cached
// per text), so identical prompts cost one render.

export type PromptId =
  | 'enter-mailbox'
  | 'enter-pin'
  | 'login-incorrect'
  | 'locked-out'
  | 'new-messages'
  | 'saved-messages'
  | 'message-number'
  | 'message-options'
  | 'message-saved'
  | 'message-deleted'
  | 'no-more-messages'
  | 'no-messages'
  | 'main-menu'
  | 'greeting-choose'
  | 'greeting-record'
  | 'greeting-too-short'
  | 'greeting-review'
  | 'greeting-saved'
  | 'new-pin'
  | 'confirm-pin'
  | 'pin-invalid'
  | 'pin-mismatch'
  | 'pin-changed'
  | 'not-understood'
  | 'goodbye';

/** A prompt to say; `count` fills the prompts that carry a number. */
export interface PromptRef {
  readonly id: PromptId;
  readonly count?: number;
}

const plural = (n: number, one: string, many: string): string => `${n} ${n === 1 ? one : many}`;

export function promptText(p: PromptRef): string {
  const n = p.count ?? 0;
  switch (p.id) {
    case 'enter-mailbox':
      return 'Please enter your mailbox number, then press pound.';
    case 'enter-pin':
      return 'Please enter your PIN, then press pound.';
    case 'login-incorrect':
      return 'That mailbox and PIN do not match.';
    case 'locked-out':
      return 'Too many incorrect PINs. This mailbox is locked for now. Please try again later.';
    case 'new-messages':
      return n === 0 ? 'You have no new messages.' : `You have ${plural(n, 'new message', 'new messages')}.`;
    case 'saved-messages':
      return `You have ${plural(n, 'saved message', 'saved messages')}.`;
    case 'message-number':
      return `Message ${n}.`;
    case 'message-options':
      return 'To replay this message, press 1. To save it, press 2. To delete it, press 7. For the next message, press pound. For the main menu, press star.';
    case 'message-saved':
      return 'Message saved.';
    case 'message-deleted':
      return 'Message deleted.';
    case 'no-more-messages':
      return 'No more messages.';
    case 'no-messages':
      return 'You have no messages.';
    case 'main-menu':
      return 'To listen to your messages, press 1. To change your greeting, press 3. To change your PIN, press 4. To hang up, press star.';
    case 'greeting-choose':
      return 'To record the greeting callers hear when you do not answer, press 1. To record the greeting for when you are on the phone, press 2.';
    case 'greeting-record':
      return 'Record your greeting after the tone, then press pound.';
    case 'greeting-too-short':
      return 'That recording was too short.';
    case 'greeting-review':
      return 'To keep this greeting, press 1. To record it again, press 2.';
    case 'greeting-saved':
      return 'Your greeting has been saved.';
    case 'new-pin':
      return 'Please enter your new PIN of at least six digits, then press pound.';
    case 'confirm-pin':
      return 'Please enter your new PIN again, then press pound.';
    case 'pin-invalid':
      return 'That PIN cannot be used. Please choose at least six digits that are hard to guess.';
    case 'pin-mismatch':
      return 'The two PINs did not match.';
    case 'pin-changed':
      return 'Your PIN has been changed.';
    case 'not-understood':
      return 'Sorry, I did not understand.';
    case 'goodbye':
      return 'Goodbye.';
  }
}
