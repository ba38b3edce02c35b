// The mailbox by phone as an explicit state machine: pure, no I/O, no
// clock. `step(state, event)` returns the next state and the actions the
// runner (session.ts) performs; the runner feeds back what happened (a key,
// a prompt finished, a silence timeout, the caller hung up, the result of a
// lookup). Every flow of the menu is a unit test of this file.
//
//   *97:            enter-mailbox -> (lookup) -> enter-pin -> (verify)
//   own extension:  enter-pin -> (verify)
//   signed in:      "You have N new messages" -> each message: intro, audio,
//                   options (1 replay, 2 save, 7 delete, # next, * menu)
//   main menu:      1 listen, 3 greeting (record until #; 1 keep, 2 again),
//                   4 PIN (twice), * goodbye
//
// A wrong PIN never says whether the mailbox exists. A caller is never
// signed in by caller id: there is no path to `signed-in` but a PIN.
import { checkPinChoice } from './pin.ts';
import type { GreetingKind, MailboxMessage } from './ports.ts';
import type { PromptRef } from './prompts.ts';

export const MENU_LIMITS = Object.freeze({
  /** Wrong PINs in one call before it is ended (the lockout in pin.ts counts across calls). */
  pinAttemptsPerCall: 3,
  /** Silences in a row before the call is ended. */
  silencesBeforeHangup: 3,
  /** Digits kept when collecting a number or a PIN (more is treated as submitted). */
  maxDigits: 16,
  /** A recorded greeting shorter than this is refused. */
  minGreetingMs: 1000,
});

export type MenuEvent =
  | { readonly kind: 'dtmf'; readonly digit: string }
  /** The prompt or message audio the last say/play action started has ended. */
  | { readonly kind: 'prompt-finished' }
  /** No key for the runner's input timeout after a prompt ended. */
  | { readonly kind: 'timeout' }
  | { readonly kind: 'hangup' }
  | { readonly kind: 'box-found'; readonly boxId: string | null }
  | { readonly kind: 'pin-checked'; readonly outcome: 'ok' | 'wrong' | 'locked'; readonly boxId?: string }
  | { readonly kind: 'messages-loaded'; readonly messages: readonly MailboxMessage[] }
  | { readonly kind: 'greeting-recorded'; readonly durationMs: number }
  | { readonly kind: 'pin-saved'; readonly ok: boolean };

export type MenuAction =
  | { readonly kind: 'say'; readonly prompts: readonly PromptRef[] }
  | { readonly kind: 'play-message'; readonly messageId: string }
  /** Waits for a key; the runner sends `timeout` if none comes. */
  | { readonly kind: 'await-input' }
  | { readonly kind: 'find-box'; readonly extension: string }
  | { readonly kind: 'verify-pin'; readonly boxId: string | null; readonly pin: string }
  | { readonly kind: 'load-messages'; readonly boxId: string }
  | { readonly kind: 'mark-heard'; readonly messageId: string }
  | { readonly kind: 'delete'; readonly messageId: string }
  /** Records the caller (after a beep) until `stop-recording`; the runner answers with greeting-recorded. */
  | { readonly kind: 'record-greeting'; readonly which: GreetingKind }
  | { readonly kind: 'stop-recording' }
  | { readonly kind: 'save-greeting'; readonly boxId: string; readonly which: GreetingKind }
  | { readonly kind: 'change-pin'; readonly boxId: string; readonly pin: string }
  | { readonly kind: 'hang-up' };

type Collecting = 'extension' | 'pin' | 'new-pin' | 'confirm-pin';

export type MenuState =
  /** Saying a prompt, then collecting digits until # (barge-in: keys count while it plays). */
  | { readonly name: 'collect'; readonly what: Collecting; readonly digits: string; readonly ctx: Ctx }
  /** Waiting for a lookup the runner performs (find-box, verify-pin, load-messages, change-pin). */
  | { readonly name: 'busy'; readonly ctx: Ctx }
  /** One message: its intro, its audio, then its options. */
  | { readonly name: 'message'; readonly phase: 'intro' | 'audio' | 'options'; readonly index: number; readonly ctx: Ctx }
  | { readonly name: 'main-menu'; readonly ctx: Ctx }
  | { readonly name: 'greeting-choose'; readonly ctx: Ctx }
  | { readonly name: 'greeting-prompt'; readonly which: GreetingKind; readonly ctx: Ctx }
  | { readonly name: 'greeting-recording'; readonly which: GreetingKind; readonly ctx: Ctx }
  | { readonly name: 'greeting-review'; readonly which: GreetingKind; readonly ctx: Ctx }
  /** Saying a last prompt, then hanging up. */
  | { readonly name: 'goodbye'; readonly ctx: Ctx }
  | { readonly name: 'ended'; readonly ctx: Ctx };

interface Ctx {
  /** The box being opened: known up front for one's own extension, found after the number for *97. */
  readonly boxId: string | null;
  /** Whether the box was chosen by dialling it (own extension) rather than typed after *97. */
  readonly boxFixed: boolean;
  readonly signedIn: boolean;
  readonly pinFailures: number;
  readonly silences: number;
  readonly messages: readonly MailboxMessage[];
  /** First PIN typed when changing it, until it is confirmed. */
  readonly newPin: string;
  /** What a pending lookup is for. */
  readonly pending: 'box' | 'pin' | 'messages' | 'save-pin' | null;
}

export interface Step {
  readonly state: MenuState;
  readonly actions: readonly MenuAction[];
}

const say = (...prompts: PromptRef[]): MenuAction => ({ kind: 'say', prompts });
const p = (id: PromptRef['id'], count?: number): PromptRef => (count === undefined ? { id } : { id, count });

/** The first step of a call: with `boxId` (one's own extension) ask for the PIN; without (*97) for the mailbox number. */
export function startMenu(boxId: string | null): Step {
  const ctx: Ctx = { boxId, boxFixed: boxId !== null, signedIn: false, pinFailures: 0, silences: 0, messages: [], newPin: '', pending: null };
  return boxId !== null ? collect('pin', ctx) : collect('extension', ctx);
}

const COLLECT_PROMPT: Record<Collecting, PromptRef['id']> = { extension: 'enter-mailbox', pin: 'enter-pin', 'new-pin': 'new-pin', 'confirm-pin': 'confirm-pin' };

function collect(what: Collecting, ctx: Ctx, ...before: PromptRef[]): Step {
  return { state: { name: 'collect', what, digits: '', ctx }, actions: [say(...before, p(COLLECT_PROMPT[what]))] };
}

function busy(ctx: Ctx, pending: Ctx['pending'], action: MenuAction): Step {
  return { state: { name: 'busy', ctx: { ...ctx, pending } }, actions: [action] };
}

function goodbye(ctx: Ctx, ...before: PromptRef[]): Step {
  return { state: { name: 'goodbye', ctx }, actions: [say(...before, p('goodbye'))] };
}

function mainMenu(ctx: Ctx, ...before: PromptRef[]): Step {
  return { state: { name: 'main-menu', ctx }, actions: [say(...before, p('main-menu'))] };
}

function intro(ctx: Ctx, index: number, ...before: PromptRef[]): Step {
  if (index >= ctx.messages.length) return mainMenu(ctx, ...before, p('no-more-messages'));
  return { state: { name: 'message', phase: 'intro', index, ctx }, actions: [say(...before, p('message-number', index + 1))] };
}

/** One transition. Events a state does not expect leave it unchanged with no action. */
export function step(state: MenuState, event: MenuEvent): Step {
  if (state.name === 'ended') return { state, actions: [] };
  if (event.kind === 'hangup') return { state: { name: 'ended', ctx: state.ctx }, actions: state.name === 'greeting-recording' ? [{ kind: 'stop-recording' }] : [] };
  const ctx = event.kind === 'dtmf' ? { ...state.ctx, silences: 0 } : state.ctx;
  const same: Step = { state, actions: [] };

  switch (state.name) {
    case 'collect':
      return onCollect(state, ctx, event);
    case 'busy':
      return onResult(ctx, event) ?? same;
    case 'message':
      return onMessage(state, ctx, event);
    case 'main-menu':
      if (event.kind === 'prompt-finished') return { state, actions: [{ kind: 'await-input' }] };
      if (event.kind === 'timeout') return silence(ctx, () => mainMenu(ctx));
      if (event.kind !== 'dtmf') return same;
      if (event.digit === '1') return busy(ctx, 'messages', { kind: 'load-messages', boxId: ctx.boxId! });
      if (event.digit === '3') return { state: { name: 'greeting-choose', ctx }, actions: [say(p('greeting-choose'))] };
      if (event.digit === '4') return collect('new-pin', { ...ctx, newPin: '' });
      if (event.digit === '*') return goodbye(ctx);
      return mainMenu(ctx, p('not-understood'));
    case 'greeting-choose':
      if (event.kind === 'prompt-finished') return { state, actions: [{ kind: 'await-input' }] };
      if (event.kind === 'timeout') return silence(ctx, () => ({ state, actions: [say(p('greeting-choose'))] }));
      if (event.kind !== 'dtmf') return same;
      if (event.digit === '1' || event.digit === '2') {
        const which: GreetingKind = event.digit === '1' ? 'unavailable' : 'busy';
        return { state: { name: 'greeting-prompt', which, ctx }, actions: [say(p('greeting-record'))] };
      }
      if (event.digit === '*') return mainMenu(ctx);
      return { state, actions: [say(p('not-understood'), p('greeting-choose'))] };
    case 'greeting-prompt':
      // The recording starts once the instructions end (the runner beeps first).
      if (event.kind === 'prompt-finished') return { state: { name: 'greeting-recording', which: state.which, ctx }, actions: [{ kind: 'record-greeting', which: state.which }] };
      return same;
    case 'greeting-recording':
      if (event.kind === 'dtmf' && event.digit === '#') return { state, actions: [{ kind: 'stop-recording' }] };
      if (event.kind === 'greeting-recorded') {
        if (event.durationMs < MENU_LIMITS.minGreetingMs) return { state: { name: 'greeting-prompt', which: state.which, ctx }, actions: [say(p('greeting-too-short'), p('greeting-record'))] };
        return { state: { name: 'greeting-review', which: state.which, ctx }, actions: [say(p('greeting-review'))] };
      }
      return same;
    case 'greeting-review':
      if (event.kind === 'prompt-finished') return { state, actions: [{ kind: 'await-input' }] };
      if (event.kind === 'timeout') return silence(ctx, () => ({ state, actions: [say(p('greeting-review'))] }));
      if (event.kind !== 'dtmf') return same;
      if (event.digit === '1') {
        const next = mainMenu(ctx, p('greeting-saved'));
        return { state: next.state, actions: [{ kind: 'save-greeting', boxId: ctx.boxId!, which: state.which }, ...next.actions] };
      }
      if (event.digit === '2') return { state: { name: 'greeting-prompt', which: state.which, ctx }, actions: [say(p('greeting-record'))] };
      return { state, actions: [say(p('not-understood'), p('greeting-review'))] };
    case 'goodbye':
      if (event.kind === 'prompt-finished') return { state: { name: 'ended', ctx }, actions: [{ kind: 'hang-up' }] };
      return same;
  }
}

function silence(ctx: Ctx, again: () => Step): Step {
  const silences = ctx.silences + 1;
  if (silences >= MENU_LIMITS.silencesBeforeHangup) return goodbye({ ...ctx, silences });
  const next = again();
  return { state: { ...next.state, ctx: { ...next.state.ctx, silences } } as MenuState, actions: next.actions };
}

function onCollect(state: Extract<MenuState, { name: 'collect' }>, ctx: Ctx, event: MenuEvent): Step {
  if (event.kind === 'prompt-finished') return { state, actions: [{ kind: 'await-input' }] };
  if (event.kind === 'timeout') {
    // Digits typed without the closing # are taken as entered.
    if (state.digits.length > 0) return submit(state.what, state.digits, ctx);
    return silence(ctx, () => collect(state.what, ctx));
  }
  if (event.kind !== 'dtmf') return { state, actions: [] };
  if (event.digit === '#') {
    if (state.digits.length === 0) return collect(state.what, ctx);
    return submit(state.what, state.digits, ctx);
  }
  if (event.digit === '*' && state.what !== 'extension' && state.what !== 'pin') return mainMenu({ ...ctx, newPin: '' });
  if (!/^[0-9]$/.test(event.digit)) return { state: { ...state, ctx }, actions: [] };
  const digits = state.digits + event.digit;
  if (digits.length >= MENU_LIMITS.maxDigits) return submit(state.what, digits, ctx);
  // The silence timer restarts with each key, so a caller who stops before # is still heard.
  return { state: { ...state, digits, ctx }, actions: [{ kind: 'await-input' }] };
}

function submit(what: Collecting, digits: string, ctx: Ctx): Step {
  switch (what) {
    case 'extension':
      return busy(ctx, 'box', { kind: 'find-box', extension: digits });
    case 'pin':
      return busy(ctx, 'pin', { kind: 'verify-pin', boxId: ctx.boxId, pin: digits });
    case 'new-pin':
      if (checkPinChoice(digits) !== undefined) return collect('new-pin', ctx, p('pin-invalid'));
      return collect('confirm-pin', { ...ctx, newPin: digits });
    case 'confirm-pin':
      if (digits !== ctx.newPin) return collect('new-pin', { ...ctx, newPin: '' }, p('pin-mismatch'));
      return busy({ ...ctx, newPin: '' }, 'save-pin', { kind: 'change-pin', boxId: ctx.boxId!, pin: digits });
  }
}

function onResult(ctx: Ctx, event: MenuEvent): Step | undefined {
  const done = { ...ctx, pending: null };
  if (event.kind === 'box-found' && ctx.pending === 'box') {
    // Asked for the PIN whether or not the box exists: a wrong guess must not reveal which numbers have mailboxes.
    return collect('pin', { ...done, boxId: event.boxId });
  }
  if (event.kind === 'pin-checked' && ctx.pending === 'pin') {
    if (event.outcome === 'ok') return busy({ ...done, signedIn: true, pinFailures: 0, boxId: event.boxId ?? ctx.boxId }, 'messages', { kind: 'load-messages', boxId: event.boxId ?? ctx.boxId! });
    if (event.outcome === 'locked') return goodbye(done, p('locked-out'));
    const failures = ctx.pinFailures + 1;
    if (failures >= MENU_LIMITS.pinAttemptsPerCall) return goodbye({ ...done, pinFailures: failures }, p('login-incorrect'));
    const next = { ...done, pinFailures: failures };
    return ctx.boxFixed ? collect('pin', next, p('login-incorrect')) : collect('extension', { ...next, boxId: null }, p('login-incorrect'));
  }
  if (event.kind === 'messages-loaded' && ctx.pending === 'messages') {
    const messages = event.messages;
    if (messages.length === 0) return mainMenu({ ...done, messages }, p('no-messages'));
    const fresh = messages.filter((m) => !m.heard).length;
    const saved = messages.length - fresh;
    const counts = [p('new-messages', fresh), ...(saved > 0 ? [p('saved-messages', saved)] : [])];
    return intro({ ...done, messages }, 0, ...counts);
  }
  if (event.kind === 'pin-saved' && ctx.pending === 'save-pin') return mainMenu(done, p(event.ok ? 'pin-changed' : 'pin-invalid'));
  return undefined;
}

function onMessage(state: Extract<MenuState, { name: 'message' }>, ctx: Ctx, event: MenuEvent): Step {
  const message = ctx.messages[state.index]!;
  if (event.kind === 'prompt-finished') {
    if (state.phase === 'intro') return { state: { ...state, phase: 'audio', ctx }, actions: [{ kind: 'play-message', messageId: message.id }] };
    if (state.phase === 'audio') {
      // Played to the end is heard (as desk-phone voicemail has it): the lamp goes out without "2 save".
      if (message.heard) return { state: { ...state, phase: 'options', ctx }, actions: [say(p('message-options'))] };
      const messages = ctx.messages.map((m, i) => (i === state.index ? { ...m, heard: true } : m));
      return { state: { ...state, phase: 'options', ctx: { ...ctx, messages } }, actions: [{ kind: 'mark-heard', messageId: message.id }, say(p('message-options'))] };
    }
    return { state, actions: [{ kind: 'await-input' }] };
  }
  if (event.kind === 'timeout') return silence(ctx, () => ({ state: { ...state, phase: 'options' }, actions: [say(p('message-options'))] }));
  if (event.kind !== 'dtmf') return { state, actions: [] };
  switch (event.digit) {
    case '1':
      return { state: { ...state, phase: 'audio', ctx }, actions: [{ kind: 'play-message', messageId: message.id }] };
    case '2': {
      const messages = ctx.messages.map((m, i) => (i === state.index ? { ...m, heard: true } : m));
      const next = intro({ ...ctx, messages }, state.index + 1, p('message-saved'));
      return { state: next.state, actions: [...(message.heard ? [] : [{ kind: 'mark-heard', messageId: message.id } as const]), ...next.actions] };
    }
    case '7': {
      // The list drops the message; the next one moves into its place.
      const messages = ctx.messages.filter((_, i) => i !== state.index);
      const next = intro({ ...ctx, messages }, state.index, p('message-deleted'));
      return { state: next.state, actions: [{ kind: 'delete', messageId: message.id }, ...next.actions] };
    }
    case '#':
      return intro(ctx, state.index + 1);
    case '*':
      return mainMenu(ctx);
    default:
      return { state: { ...state, phase: 'options', ctx }, actions: [say(p('not-understood'), p('message-options'))] };
  }
}
