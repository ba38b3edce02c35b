// The voicemail app's deposit path, as small steps (STYLE.md): the B2BUA
// hands over a caller nobody answered (onUnavailable) ->
//   find the box -> answer locally through the relay -> play the greeting ->
//   tone -> record into the vault -> commit -> hang up -> follow-ups.
// A callee without a box gets the B2BUA's old answer, 480.
// Logs carry call and message ids and codes, never numbers or audio.
import type { UnavailableCall, UnavailableReason } from '../../pbx/calls/call.ts';
import { answerThroughRelay } from '../../pbx/calls/local-answer.ts';
import type { LocalCallLeg } from '../../pbx/calls/local-leg.ts';
import type { BoxInfo } from '../boxes.ts';
import type { VaultGreetingStore } from '../greetings.ts';
import type { VoicemailMessage, VoicemailStore } from '../message-store.ts';
import { defaultGreetingText } from '../speech/index.ts';
import type { DepositRelay } from './deposit-relay.ts';
import { DEFAULT_LIMITS, MessageRecorder, type RecorderLimits, type RecordingEnd } from './message-recorder.ts';
import { leadIn, recordTone } from './prompts.ts';

export interface DepositLogger {
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface VoicemailDepositOptions {
  relay: DepositRelay;
  store: VoicemailStore;
  greetings: Pick<VaultGreetingStore, 'greeting'>;
  findBox(practiceId: string, extension: string): Promise<BoxInfo | undefined>;
  speech(text: string): Promise<Int16Array>;
  /** After a message is committed: notices, transcription (the follow-up queue). */
  committed(message: VoicemailMessage): void;
  limits?: Partial<RecorderLimits>;
  /** Shorter recordings are not kept (a hang-up right at the tone); default 700 ms. */
  minMessageMs?: number;
  /** SealedWriter flush interval; default 1 s (the "lose at most a second" bound). */
  flushIntervalMs?: number;
  logger?: DepositLogger;
}

const LEG = 'caller';
const quiet: DepositLogger = { info: () => {}, warn: () => {} };

export class VoicemailDeposit {
  private readonly limits: RecorderLimits;
  private readonly log: DepositLogger;
  /** Deposits in progress, by relay call id, for the relay's inactivity report. */
  private readonly active = new Map<string, () => void>();
  /** Every deposit still running (answering, greeting, recording, committing). */
  private readonly running = new Set<Promise<void>>();
  private readonly stopInactive: () => void;

  constructor(private readonly o: VoicemailDepositOptions) {
    this.limits = { ...DEFAULT_LIMITS, ...o.limits };
    this.log = o.logger ?? quiet;
    this.stopInactive = o.relay.onInactive((callId) => this.active.get(callId)?.());
  }

  /** The B2BUA's onUnavailable hook. Returns at once; the deposit runs on. */
  onUnavailable = (call: UnavailableCall, reason: UnavailableReason): void => {
    const running = this.deposit(call, reason)
      .catch((e: unknown) => {
        this.log.warn({ event: 'voicemail.deposit_failed', callId: call.id, code: codeOf(e) }, 'voicemail');
        call.reject(500);
      })
      .finally(() => this.running.delete(running));
    this.running.add(running);
  };

  /**
   * Hangs up every deposit and waits (up to `deadlineMs`) until each has
   * committed what it recorded: a graceful stop delivers whole messages,
   * not partial ones for the next start to recover.
   */
  async drain(deadlineMs = 5000): Promise<void> {
    this.close();
    if (this.running.size === 0) return;
    let timer: NodeJS.Timeout | undefined;
    const deadline = new Promise<void>((resolve) => (timer = setTimeout(resolve, deadlineMs)));
    await Promise.race([Promise.allSettled([...this.running]).then(() => undefined), deadline]);
    clearTimeout(timer);
  }

  /** Deposits in progress (health, tests). */
  get inProgress(): number {
    return this.active.size;
  }

  /** Renders the default greetings now, so the first caller does not wait for the TTS voice. */
  async warm(): Promise<void> {
    for (const kind of ['unavailable', 'busy'] as const) {
      await this.o.speech(defaultGreetingText(kind)).catch((e: unknown) => this.log.warn({ event: 'voicemail.greeting_unavailable', code: codeOf(e) }, 'voicemail'));
    }
    this.log.info({ event: 'voicemail.greetings_ready' }, 'voicemail');
  }

  close(): void {
    this.stopInactive();
    for (const stop of this.active.values()) stop();
  }

  private async deposit(call: UnavailableCall, reason: UnavailableReason): Promise<void> {
    const box = await this.o.findBox(call.practiceId, call.calleeExtension);
    if (!box) return call.reject(480);
    const relayCallId = `vm-${call.id}`;
    let leg: LocalCallLeg | undefined;
    try {
      leg = await answerThroughRelay(this.o.relay, relayCallId, LEG, call);
    } catch (e) {
      this.log.warn({ event: 'voicemail.answer_failed', callId: call.id, code: codeOf(e) }, 'voicemail');
      return call.reject(488);
    }
    if (!leg) return void (await this.o.relay.delete(relayCallId).catch(() => {}));
    this.log.info({ event: 'voicemail.answered', callId: call.id, boxId: box.id, reason }, 'voicemail');
    const hungUp = leg.ended.then(() => 'hangup' as const);
    let abort: () => void = () => {};
    const aborted = new Promise<'hangup'>((resolve) => (abort = () => resolve('hangup')));
    this.active.set(relayCallId, () => {
      abort();
      leg.hangup();
    });
    try {
      const greeted = await this.greet(relayCallId, box, reason, Promise.race([hungUp, aborted]));
      if (greeted === 'hangup') return;
      const message = await this.record(relayCallId, box, leg, Promise.race([hungUp, aborted]));
      if (message) this.o.committed(message);
    } finally {
      this.active.delete(relayCallId);
      leg.hangup();
      await this.o.relay.delete(relayCallId).catch(() => {});
    }
  }

  /** Greeting, then the tone. '#' or '*' skips the greeting. */
  private async greet(relayCallId: string, box: BoxInfo, reason: UnavailableReason, gone: Promise<'hangup'>): Promise<'done' | 'hangup'> {
    const which = reason === 'busy' ? 'busy' : 'unavailable';
    let greeting = await this.o.greetings.greeting(box.id, which).catch(() => undefined);
    if (!greeting) {
      greeting = await this.o.speech(defaultGreetingText(which)).catch((e: unknown) => {
        this.log.warn({ event: 'voicemail.greeting_unavailable', boxId: box.id, code: codeOf(e) }, 'voicemail');
        return undefined;
      });
    }
    const pcm = greeting ? concat(leadIn(), greeting) : leadIn();
    const playback = await this.o.relay.play(relayCallId, LEG, { pcm });
    const skip = this.o.relay.onDtmf(relayCallId, (n) => {
      if (n.digit === '#' || n.digit === '*') void playback.stop().catch(() => {});
    });
    try {
      if ((await Promise.race([playback.done, gone])) === 'hangup') {
        this.log.info({ event: 'voicemail.left_during_greeting', boxId: box.id }, 'voicemail');
        return 'hangup';
      }
    } finally {
      skip();
    }
    const tone = await this.o.relay.play(relayCallId, LEG, { pcm: recordTone() });
    return (await Promise.race([tone.done, gone])) === 'hangup' ? 'hangup' : 'done';
  }

  private async record(relayCallId: string, box: BoxInfo, leg: LocalCallLeg, gone: Promise<'hangup'>): Promise<VoicemailMessage | undefined> {
    const { messageId, writer } = await this.o.store.startRecording(box, this.o.flushIntervalMs !== undefined ? { flushIntervalMs: this.o.flushIntervalMs } : {});
    const recorder = new MessageRecorder(writer, this.limits);
    this.log.info({ event: 'voicemail.recording', callId: leg.callId, messageId }, 'voicemail');
    const stopDtmf = this.o.relay.onDtmf(relayCallId, (n) => {
      if (n.digit === '#') recorder.stop('dtmf');
    });
    let handle;
    try {
      handle = await this.o.relay.record(relayCallId, LEG, recorder);
    } catch (e) {
      stopDtmf();
      await this.o.store.discardRecording(messageId, writer);
      throw e;
    }
    void gone.then(() => recorder.stop('hangup'));
    const why: RecordingEnd = await recorder.ended;
    stopDtmf();
    // Frames already on their way are dropped by the recorder once stopped; the relay is told to stop too.
    await handle.stop().catch(() => {});
    this.log.info({ event: 'voicemail.recorded', callId: leg.callId, messageId, end: why }, 'voicemail');
    if (recorder.failed !== undefined) {
      // The writer failed: the row stays 'recording' and start-up recovery delivers what is durable.
      this.log.warn({ event: 'voicemail.record_failed', messageId, code: codeOf(recorder.failed) }, 'voicemail');
      return undefined;
    }
    if (recorder.audioBytes < 8 * (this.o.minMessageMs ?? 700)) {
      await this.o.store.discardRecording(messageId, writer);
      this.log.info({ event: 'voicemail.too_short', messageId }, 'voicemail');
      return undefined;
    }
    const sealed = await writer.commit();
    const message = await this.o.store.commitRecording(messageId, Number(sealed.size ?? recorder.audioBytes), false);
    this.log.info({ event: 'voicemail.committed', messageId, boxId: box.id, durationMs: message.durationMs }, 'voicemail');
    return message;
  }
}

function concat(a: Int16Array, b: Int16Array): Int16Array {
  const out = new Int16Array(a.length + b.length);
  out.set(a, 0);
  out.set(b, a.length);
  return out;
}

function codeOf(e: unknown): string {
  return typeof e === 'object' && e !== null && 'code' in e ? String((e as { code: unknown }).code) : 'error';
}
