// The mailbox by phone: PINs (pin.ts), the menu state machine (menu.ts), its
// prompts (prompts.ts) and the session that runs it on a call (session.ts).
export { startMailboxSession, kyselyMailboxPins, type MailboxPins, type MailboxSession, type MailboxSessionLogger, type MailboxSessionOptions } from './session.ts';
/** The box of an extension (the *97 flow asks for the extension first). */
export { findBoxByExtension } from '../boxes.ts';
export {
  checkPinChoice,
  MAILBOX_AUDIT,
  MailboxPinError,
  phoneActor,
  PIN_LOCKOUT,
  PIN_MAX_DIGITS,
  PIN_MIN_DIGITS,
  pinRejectionText,
  setPin,
  verifyMailboxPin,
  /** contracts.md's name for it. */
  verifyMailboxPin as verifyPin,
  type PinAttempt,
  type PinCheck,
  type PinRejection,
} from './pin.ts';
export { MENU_LIMITS, startMenu, step, type MenuAction, type MenuEvent, type MenuState, type Step } from './menu.ts';
export { promptText, type PromptId, type PromptRef } from './prompts.ts';
export type { Actor, GreetingKind, GreetingStore, MailboxAccess, MailboxMessage, MailboxRelay, RenderSpeech } from './ports.ts';
