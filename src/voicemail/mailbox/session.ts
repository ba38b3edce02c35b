// Runs the mailbox menu (menu.ts) on a connected call: speaks its prompts
// through the media relay, plays messages, records greetings, hears keys
// (RFC 4733 through MediaRelay.onDtmf), and performs the lookups the menu
// asks for through the ports. All decisions are the menu's; this file only
// carries them out and reports back what happened.
//
// Barge-in: a key that the menu acts on stops the prompt playing, so a
// caller who knows the menu need not wait for it. Type-ahead: keys that
// arrive while a lookup runs are kept and heard when it is done. Logs carry
// the session's call id and codes only: never digits, PINs or message
// contents.
import { findBoxByExtension } from '../boxes.ts';
import { verifyMailboxPin, setPin, phoneActor, MailboxPinError, type PinAttempt, type PinCheck } from './pin.ts';
import { MENU_LIMITS, startMenu, step, type MenuAction, type MenuEvent, type MenuState } from './menu.ts';
import type { Actor, GreetingStore, MailboxAccess, MailboxRelay, RenderSpeech } from './ports.ts';
import { promptText, type PromptRef } from './prompts.ts';
import type { Kysely } from 'kysely';
import type { Database } from '../../db/index.ts';

/** PIN checks and box lookups as a session needs them; `kyselyMailboxPins(db)` is the real one. */
export interface MailboxPins {
  findBox(practiceId: string, extension: string): Promise<string | null>;
  verify(attempt: PinAttempt): Promise<PinCheck>;
  /** False when the PIN may not be chosen. */
  change(boxId: string, pin: string, actor: Actor): Promise<boolean>;
}

export function kyselyMailboxPins(db: Kysely<Database>): MailboxPins {
  return {
    findBox: async (practiceId, extension) => (await findBoxByExtension(db, practiceId, extension))?.id ?? null,
    verify: (attempt) => verifyMailboxPin(db, attempt),
    async change(boxId, pin, actor) {
      try {
        await setPin(db, boxId, pin, actor);
        return true;
      } catch (e) {
        if (e instanceof MailboxPinError) return false;
        throw e;
      }
    },
  };
}

export interface MailboxSessionLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface MailboxSessionOptions {
  /** The connected call in the media relay, and the caller's leg in it (answered by Sotto: relay.answerOffer). */
  relay: MailboxRelay;
  callId: string;
  legId: string;
  practiceId: string;
  /** The box when the caller dialled their own extension's mailbox (asks the PIN only); omit for *97 (asks the number first). */
  boxId?: string;
  /** Who is calling, as an id (the authenticated device's id): the per-caller PIN lockout key. Never a phone number. */
  callerKey: string;
  mailbox: MailboxAccess;
  greetings: GreetingStore;
  renderSpeech: RenderSpeech;
  pins: MailboxPins;
  /** Ends the SIP call (BYE to the caller); called once, when the menu says goodbye. */
  hangUp(): void;
  /** Silence after a prompt before the menu hears a timeout; default 8 s. */
  inputTimeoutMs?: number;
  /** A greeting recording stops by itself after this long; default 2 minutes. */
  maxGreetingMs?: number;
  logger?: MailboxSessionLogger;
}

export interface MailboxSession {
  /** Settles when the session is over (goodbye, the caller hung up, or a failure). */
  readonly done: Promise<void>;
  /** The caller hung up (BYE received): stops everything without a BYE back. */
  hangup(): void;
}

const BEEP = beep();

export function startMailboxSession(o: MailboxSessionOptions): MailboxSession {
  const runner = new SessionRunner(o);
  runner.start();
  return { done: runner.done, hangup: () => runner.dispatch({ kind: 'hangup' }) };
}

class SessionRunner {
  readonly done: Promise<void>;
  private finish: () => void = () => {};
  private state: MenuState;
  private pendingActions: readonly MenuAction[];
  private actor: Actor = phoneActor(null);
  /** Increments with every playback started; a finished playback only counts if it is still the latest. */
  private playToken = 0;
  private playing: { stop(): Promise<void> } | undefined;
  private timer: NodeJS.Timeout | undefined;
  private recording: { handle: Promise<{ stop(): Promise<void> }>; frames: Int16Array[]; stopped: boolean } | undefined;
  private recordingCap: NodeJS.Timeout | undefined;
  private greeting: Int16Array | undefined;
  private stopDtmf: (() => void) | undefined;
  /** Keys typed while the menu was busy with a lookup, oldest first. */
  private typedAhead: string[] = [];
  private over = false;

  constructor(private readonly o: MailboxSessionOptions) {
    this.done = new Promise((resolve) => (this.finish = resolve));
    const first = startMenu(o.boxId ?? null);
    this.state = first.state;
    this.pendingActions = first.actions;
  }

  start(): void {
    this.stopDtmf = this.o.relay.onDtmf(this.o.callId, (notice) => {
      if (notice.legId === this.o.legId) this.dispatch({ kind: 'dtmf', digit: notice.digit });
    });
    this.perform(this.pendingActions);
  }

  dispatch(event: MenuEvent): void {
    if (this.over) return;
    if (event.kind === 'dtmf' && this.state.name === 'busy') {
      // A lookup is running (box, PIN, messages): the key is the caller typing
      // ahead ("102#" then the PIN at once, or 1 right after the PIN's #).
      // It is kept, not lost, and heard once the menu can act on it.
      if (this.typedAhead.length < MENU_LIMITS.maxDigits) this.typedAhead.push(event.digit);
      return;
    }
    const before = this.state;
    const next = step(before, event);
    this.state = next.state;
    const actedOn = next.state !== before || next.actions.length > 0;
    // A key the menu ignores leaves the silence timer running; one it acts on
    // stops it (and barges in: silences whatever was playing).
    if (event.kind === 'timeout' || (event.kind === 'dtmf' && actedOn)) this.clearTimer();
    if (event.kind === 'dtmf' && actedOn) this.stopPlayback();
    this.perform(next.actions);
    if (this.state.name === 'ended') this.end(event.kind === 'hangup' ? 'caller-hung-up' : 'goodbye');
    else if (this.state.name !== 'busy' && this.typedAhead.length > 0) {
      // In the order typed; a key that starts another lookup queues the rest again.
      const keys = this.typedAhead;
      this.typedAhead = [];
      for (const digit of keys) this.dispatch({ kind: 'dtmf', digit });
    }
  }

  private perform(actions: readonly MenuAction[]): void {
    for (const a of actions) {
      void this.run(a).catch((e: unknown) => this.fail(a.kind, e));
    }
  }

  private async run(a: MenuAction): Promise<void> {
    const o = this.o;
    switch (a.kind) {
      case 'say':
        return this.say(a.prompts);
      case 'play-message': {
        const token = this.beginPlayback();
        const pcm = await o.mailbox.audio(a.messageId, this.actor);
        return this.play(token, pcm);
      }
      case 'await-input':
        this.clearTimer();
        this.timer = setTimeout(() => this.dispatch({ kind: 'timeout' }), o.inputTimeoutMs ?? 8000);
        return;
      case 'find-box':
        return this.dispatch({ kind: 'box-found', boxId: await o.pins.findBox(o.practiceId, a.extension) });
      case 'verify-pin': {
        const r = await o.pins.verify({ practiceId: o.practiceId, boxId: a.boxId, pin: a.pin, callerKey: o.callerKey });
        if (r.outcome === 'ok') this.actor = phoneActor(r.ownerUserId);
        o.logger?.info({ event: 'mailbox.pin', callId: o.callId, outcome: r.outcome }, 'mailbox');
        return this.dispatch(r.outcome === 'ok' ? { kind: 'pin-checked', outcome: 'ok', boxId: r.boxId } : { kind: 'pin-checked', outcome: r.outcome });
      }
      case 'load-messages':
        return this.dispatch({ kind: 'messages-loaded', messages: await o.mailbox.list(a.boxId) });
      case 'mark-heard':
        return o.mailbox.markHeard(a.messageId, this.actor);
      case 'delete':
        return o.mailbox.delete(a.messageId, this.actor);
      case 'record-greeting':
        return this.record();
      case 'stop-recording':
        return this.stopRecording();
      case 'save-greeting': {
        const pcm = this.greeting;
        this.greeting = undefined;
        if (pcm) await o.greetings.saveGreeting(a.boxId, a.which, pcm, this.actor);
        return;
      }
      case 'change-pin':
        return this.dispatch({ kind: 'pin-saved', ok: await o.pins.change(a.boxId, a.pin, this.actor) });
      case 'hang-up':
        o.hangUp();
        return;
    }
  }

  /** Renders each prompt (the renderer caches by text) and plays them as one. */
  private async say(prompts: readonly PromptRef[]): Promise<void> {
    const token = this.beginPlayback();
    const parts = await Promise.all(prompts.map((p) => this.o.renderSpeech(promptText(p))));
    return this.play(token, concat(parts));
  }

  private beginPlayback(): number {
    this.stopPlayback();
    return ++this.playToken;
  }

  private async play(token: number, pcm: Int16Array): Promise<void> {
    if (token !== this.playToken || this.over) return;
    const handle = await this.o.relay.play(this.o.callId, this.o.legId, { pcm });
    if (token !== this.playToken || this.over) return void handle.stop().catch(() => {});
    this.playing = handle;
    const how = await handle.done;
    if (how === 'finished' && token === this.playToken) {
      this.playing = undefined;
      this.dispatch({ kind: 'prompt-finished' });
    }
  }

  private stopPlayback(): void {
    this.playToken++;
    const p = this.playing;
    this.playing = undefined;
    if (p) void p.stop().catch(() => {});
  }

  private async record(): Promise<void> {
    const o = this.o;
    void o.relay.play(o.callId, o.legId, { pcm: BEEP }).catch(() => {});
    const frames: Int16Array[] = [];
    const rec = {
      frames,
      stopped: false,
      handle: o.relay.record(o.callId, o.legId, {
        frame: (f) => frames.push(f.pcm),
        end: () => {
          this.greeting = concat(frames);
          this.dispatch({ kind: 'greeting-recorded', durationMs: Math.round((this.greeting.length / 8000) * 1000) });
        },
      }),
    };
    this.recording = rec;
    this.recordingCap = setTimeout(() => void this.stopRecording(), o.maxGreetingMs ?? 120_000);
    await rec.handle;
  }

  private async stopRecording(): Promise<void> {
    if (this.recordingCap) clearTimeout(this.recordingCap);
    this.recordingCap = undefined;
    const rec = this.recording;
    if (!rec || rec.stopped) return;
    rec.stopped = true;
    this.recording = undefined;
    await (await rec.handle).stop();
  }

  private clearTimer(): void {
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
  }

  private fail(action: string, e: unknown): void {
    if (this.over) return;
    const code = e instanceof Error && 'code' in e ? String((e as { code: unknown }).code) : e instanceof Error ? e.name : 'unknown';
    this.o.logger?.warn({ event: 'mailbox.action_failed', callId: this.o.callId, action, code }, 'mailbox');
    // Nothing sensible can be said when the store or the relay fails: end the call.
    this.o.hangUp();
    this.end('failed');
  }

  private end(why: string): void {
    if (this.over) return;
    this.over = true;
    this.clearTimer();
    this.stopPlayback();
    void this.stopRecording().catch(() => {});
    this.stopDtmf?.();
    this.greeting = undefined;
    this.o.logger?.info({ event: 'mailbox.ended', callId: this.o.callId, why }, 'mailbox');
    this.finish();
  }
}

function concat(parts: readonly Int16Array[]): Int16Array {
  const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    out.set(p, at);
    at += p.length;
  }
  return out;
}

/** 250 ms at 1 kHz: the tone before a recording starts. */
function beep(): Int16Array {
  const out = new Int16Array(2000);
  for (let i = 0; i < out.length; i++) out[i] = Math.round(8000 * Math.sin((2 * Math.PI * 1000 * i) / 8000));
  return out;
}
