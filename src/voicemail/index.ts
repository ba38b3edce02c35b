// Public API of the voicemail app (deposit path, message store, greetings).
// The mailbox-by-phone menu and MWI code against MailboxAccess and
// GreetingStore (contracts.md); app/ wires VoicemailDeposit.onUnavailable
// into the B2BUA.
export type { MailboxAccess, MailboxMessage } from './mailbox-access.ts';
export { VoicemailStore, VOICEMAIL_ACTOR, BYTES_PER_MS, type VoicemailMessage, type RecordingStart, type VoicemailRefusal } from './message-store.ts';
export { VaultGreetingStore, GREETING_MAX_MS, GREETING_MIN_MS, greetingDurationMs, type GreetingStore, type GreetingWhich } from './greetings.ts';
export { VoicemailError, type VoicemailErrorCode } from './voicemail-error.ts';
export { findBoxByExtension, getBox, listBoxes, boxRecipients, type BoxInfo } from './boxes.ts';
export { VoicemailDeposit, type VoicemailDepositOptions, type DepositLogger } from './deposit/voicemail-deposit.ts';
export type { DepositRelay } from './deposit/deposit-relay.ts';
export { DEFAULT_LIMITS, MessageRecorder, type RecorderLimits, type RecordingEnd } from './deposit/message-recorder.ts';
export { VoicemailFollowups, type VoicemailFollowupsOptions } from './followups.ts';
export { VoicemailNoticeResolver } from './notice-resolver.ts';
export { renderSpeech, SpeechError } from './speech/index.ts';
