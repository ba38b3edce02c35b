// An adaptive jitter buffer for G.711 audio Sotto itself consumes
// (voicemail and call recording, announcements' echo checks). A relay never
// buffers: forwarded packets keep their timing. Here the consumer pulls one
// frame per packetisation interval and always gets audio back, so a
// recording keeps wall-clock length whatever the network did.
//
// States (one transition function, `enter`):
//   buffering   -> playing      enough audio queued (target delay reached)
//   playing     -> rebuffering  the queue ran dry (underrun)
//   rebuffering -> playing      enough audio queued again
//   playing | rebuffering -> buffering
//                               the stream restarted: a new SSRC, or the
//                               timestamps jumped back (a new source behind
//                               the same SSRC after a transfer)
//
// Packets are placed by RTP timestamp (RFC 3550 §5.1: it is the sampling
// instant), so reordering is undone and silence-suppression gaps keep their
// length. A packet whose slot was already played is late and dropped; one
// whose slot is queued is a duplicate. A missing slot with later audio
// queued is a loss: concealed by repeating the previous frame, fading, then
// silence (a simple form of G.711 Appendix I packet loss concealment).
//
// The target delay adapts: a jitter estimate (RFC 3550 §A.8 on the injected
// clock) sets its base, each packet that arrives too late adds a frame, and
// a long calm stretch takes one back. When the queue holds more than the target, one frame is
// dropped per pull to bring the delay down.

import { meanSquare } from '../analysis/goertzel.ts';
import { decodeG711, encodeG711, g711Silence, type G711Law } from '../codecs/g711.ts';

export interface JitterClock {
  /** Milliseconds, monotonic. */
  now(): number;
}

export interface JitterBufferOptions {
  readonly clock: JitterClock;
  readonly law: G711Law;
  readonly clockRate?: number;
  /** Frame the consumer pulls, and the size of concealment frames. */
  readonly frameMs?: number;
  readonly minDelayMs?: number;
  readonly maxDelayMs?: number;
  /** Lost frames concealed by fading repetition before plain silence. */
  readonly concealmentFrames?: number;
}

export interface JitterPacket {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly payload: Buffer;
  /** When given, a change of SSRC restarts the buffer for the new stream. */
  readonly ssrc?: number;
}

export type JitterPushOutcome = 'queued' | 'duplicate' | 'late';

export type JitterFrameKind =
  /** A received packet. */
  | 'audio'
  /** Made up for a lost or missing packet from the audio before it. */
  | 'concealed'
  /** Nothing to conceal with (before the first packet, or after long loss). */
  | 'silence';

export interface JitterFrame {
  readonly kind: JitterFrameKind;
  /** G.711 codes in the buffer's law. */
  readonly payload: Buffer;
}

export type JitterBufferState = 'buffering' | 'playing' | 'rebuffering';

export interface JitterBufferStats {
  received: number;
  duplicates: number;
  late: number;
  /** Slots concealed because their packet never came in time. */
  lost: number;
  underruns: number;
  /** Frames dropped to bring the delay back to the target. */
  dropped: number;
  /** Times the stream started over (new SSRC, timestamp jump). */
  restarts: number;
}

interface QueuedPacket {
  readonly ts: number;
  readonly payload: Buffer;
  readonly arrivalMs: number;
}

const CALM_FRAMES_TO_SHRINK = 500; // 10 s at 20 ms
const MAX_EXTRA_FRAMES = 8;
const RECENT_PLAYED = 64;
// This many late packets in a row are not late: the timestamps went back.
const LATE_RUN_RESTART = 10;
// Below about -40 dBFS a frame is a pause, safe to drop when catching up.
const QUIET_MEAN_SQUARE = 330 * 330;

export class JitterBuffer {
  readonly stats: JitterBufferStats = { received: 0, duplicates: 0, late: 0, lost: 0, underruns: 0, dropped: 0, restarts: 0 };
  private readonly clock: JitterClock;
  private readonly law: G711Law;
  private readonly clockRate: number;
  private readonly frameMs: number;
  private readonly frameSamples: number;
  private readonly minDelayMs: number;
  private readonly maxDelayMs: number;
  private readonly concealmentFrames: number;

  private stateValue: JitterBufferState = 'buffering';
  /** Queued packets sorted by extended timestamp. */
  private queue: QueuedPacket[] = [];
  /** Extended timestamp of the next slot to play; undefined before the first playout. */
  private nextTs: number | undefined;
  private readonly recentlyPlayed: number[] = [];
  private lastRawTs: number | undefined;
  private lastExtTs = 0;
  private jitterMsValue = 0;
  private lastTransitMs: number | undefined;
  private extraFrames = 0;
  private calmFrames = 0;
  private lastAudio: Int16Array | undefined;
  private concealedRun = 0;
  private ssrc: number | undefined;
  private lateRun = 0;

  constructor(options: JitterBufferOptions) {
    this.clock = options.clock;
    this.law = options.law;
    this.clockRate = options.clockRate ?? 8000;
    this.frameMs = options.frameMs ?? 20;
    this.frameSamples = Math.round((this.frameMs * this.clockRate) / 1000);
    this.minDelayMs = options.minDelayMs ?? 40;
    this.maxDelayMs = options.maxDelayMs ?? 400;
    this.concealmentFrames = options.concealmentFrames ?? 3;
  }

  get state(): JitterBufferState {
    return this.stateValue;
  }

  /** Interarrival jitter estimate, RFC 3550 §A.8, in milliseconds. */
  get jitterMs(): number {
    return this.jitterMsValue;
  }

  /** The delay the buffer currently aims for, a whole number of frames. */
  get targetDelayMs(): number {
    const base = Math.ceil((this.frameMs + 3 * this.jitterMsValue) / this.frameMs) * this.frameMs;
    const withExtra = base + this.extraFrames * this.frameMs;
    return Math.min(this.maxDelayMs, Math.max(this.minDelayMs, withExtra));
  }

  /**
   * Audio queued, in milliseconds: the packets held, not the timestamp span,
   * so a timestamp jump is not mistaken for a backlog.
   */
  get queuedMs(): number {
    let samples = 0;
    for (const p of this.queue) samples += p.payload.length;
    return this.samplesToMs(samples);
  }

  push(packet: JitterPacket): JitterPushOutcome {
    const now = this.clock.now();
    if (packet.ssrc !== undefined) {
      if (this.ssrc !== undefined && packet.ssrc !== this.ssrc) this.restart();
      this.ssrc = packet.ssrc;
    }
    let ts = this.extend(packet.timestamp >>> 0);
    if (this.nextTs !== undefined && ts < this.nextTs && !this.recentlyPlayed.includes(ts) && ++this.lateRun >= LATE_RUN_RESTART) {
      this.restart();
      ts = this.extend(packet.timestamp >>> 0);
    }
    this.updateJitter(ts, now);
    if (this.nextTs !== undefined && ts < this.nextTs) {
      if (this.recentlyPlayed.includes(ts)) {
        this.stats.duplicates++;
        return 'duplicate';
      }
      this.stats.late++;
      this.bumpTarget();
      return 'late';
    }
    this.lateRun = 0;
    const at = this.insertionPoint(ts);
    if (this.queue[at]?.ts === ts) {
      this.stats.duplicates++;
      return 'duplicate';
    }
    this.queue.splice(at, 0, { ts, payload: Buffer.from(packet.payload), arrivalMs: now });
    this.stats.received++;
    return 'queued';
  }

  /** The next frame of audio; call once per frame interval. */
  pull(): JitterFrame {
    if (this.stateValue !== 'playing') {
      if (!this.readyToPlay()) return this.conceal(this.stateValue === 'rebuffering');
      this.enter('playing');
      this.nextTs = this.queue[0]!.ts;
    }
    this.shrinkIfBehind();

    const head = this.queue[0];
    if (head && head.ts === this.nextTs) {
      this.queue.shift();
      this.nextTs = head.ts + head.payload.length;
      this.remember(head.ts);
      this.lastAudio = decodeG711(this.law, head.payload);
      this.concealedRun = 0;
      if (++this.calmFrames >= CALM_FRAMES_TO_SHRINK && this.extraFrames > 0) {
        this.extraFrames--;
        this.calmFrames = 0;
      }
      return { kind: 'audio', payload: head.payload };
    }
    if (head && this.samplesToMs(head.ts - this.nextTs!) > this.maxDelayMs) {
      // A jump forward larger than any delay we keep: the sender skipped
      // ahead (a new source, a clock jump). Resume at its audio, not after
      // minutes of concealment.
      this.nextTs = head.ts;
      return this.pull();
    }
    if (head) {
      // A hole with audio queued after it: the packet is lost (or later than we can wait).
      this.stats.lost++;
      this.nextTs! += Math.min(this.frameSamples, head.ts - this.nextTs!);
      return this.conceal(true);
    }
    // Nothing queued at all: a stall, or silence suppression. Wait for audio
    // again rather than skip ahead; a stall's packets then still play, and
    // the jitter estimate (not this) decides whether the target grows.
    this.stats.underruns++;
    this.enter('rebuffering');
    return this.conceal(true);
  }

  /** Forgets the old stream; its queued audio is dropped, the jitter estimate kept. */
  private restart(): void {
    this.stats.restarts++;
    // The run of "late" packets that led here was a jump, not lateness.
    const notLate = Math.max(0, this.lateRun - 1);
    this.stats.late = Math.max(0, this.stats.late - notLate);
    this.extraFrames = Math.max(0, this.extraFrames - notLate);
    this.stats.dropped += this.queue.length;
    this.queue = [];
    this.nextTs = undefined;
    this.lastRawTs = undefined;
    this.lastTransitMs = undefined;
    this.recentlyPlayed.length = 0;
    this.lateRun = 0;
    if (this.stateValue !== 'buffering') this.enter('buffering');
  }

  private enter(next: JitterBufferState): void {
    const legal =
      (this.stateValue === 'buffering' && next === 'playing') ||
      (this.stateValue === 'playing' && next === 'rebuffering') ||
      (this.stateValue === 'rebuffering' && next === 'playing') ||
      (this.stateValue !== 'buffering' && next === 'buffering');
    if (!legal) throw new Error(`jitter buffer: illegal transition ${this.stateValue} -> ${next}`);
    this.stateValue = next;
  }

  private readyToPlay(): boolean {
    const first = this.queue[0];
    if (!first) return false;
    if (this.queuedMs >= this.targetDelayMs) return true;
    // A short burst (a few words, then silence suppression) must not wait for audio that never comes.
    return this.clock.now() - first.arrivalMs >= this.targetDelayMs;
  }

  private shrinkIfBehind(): void {
    // Above the hard ceiling, catch up at once; above the target, one frame per pull.
    while (this.queuedMs > this.maxDelayMs && this.queue.length > 1) this.dropHead();
    const head = this.queue[0];
    if (head && this.queue.length > 1 && this.queuedMs > this.targetDelayMs + 2 * this.frameMs && this.isQuiet(head)) {
      this.dropHead();
    }
  }

  private isQuiet(packet: QueuedPacket): boolean {
    const pcm = decodeG711(this.law, packet.payload);
    return meanSquare(pcm, 0, pcm.length) < QUIET_MEAN_SQUARE;
  }

  private dropHead(): void {
    const head = this.queue.shift()!;
    this.stats.dropped++;
    this.remember(head.ts);
    this.nextTs = Math.max(this.nextTs ?? 0, head.ts + head.payload.length);
    // Skip straight to the next queued packet if the drop left a hole at the playout point.
    const next = this.queue[0];
    if (next && next.ts < this.nextTs) this.nextTs = next.ts;
  }

  private conceal(fromAudio: boolean): JitterFrame {
    this.calmFrames = 0;
    if (fromAudio && this.lastAudio && this.concealedRun < this.concealmentFrames) {
      this.concealedRun++;
      // Repeat the last frame, fading by a quarter per concealed frame.
      const gain = 1 - this.concealedRun / (this.concealmentFrames + 1);
      const faded = new Int16Array(this.frameSamples);
      for (let i = 0; i < faded.length; i++) faded[i] = Math.round(this.lastAudio[i % this.lastAudio.length]! * gain);
      return { kind: 'concealed', payload: encodeG711(this.law, faded) };
    }
    this.concealedRun++;
    return { kind: 'silence', payload: Buffer.alloc(this.frameSamples, g711Silence(this.law)) };
  }

  private bumpTarget(): void {
    if (this.extraFrames < MAX_EXTRA_FRAMES) this.extraFrames++;
    this.calmFrames = 0;
  }

  private remember(ts: number): void {
    this.recentlyPlayed.push(ts);
    if (this.recentlyPlayed.length > RECENT_PLAYED) this.recentlyPlayed.shift();
  }

  private insertionPoint(ts: number): number {
    let i = this.queue.length;
    while (i > 0 && this.queue[i - 1]!.ts >= ts) i--;
    return i;
  }

  /** RTP timestamps wrap at 2^32; keep a monotonic extended value near the last one seen. */
  private extend(raw: number): number {
    if (this.lastRawTs === undefined) {
      this.lastRawTs = raw;
      this.lastExtTs = raw;
      return raw;
    }
    const delta = ((raw - this.lastRawTs) << 0) | 0; // signed 32-bit difference
    const ext = this.lastExtTs + delta;
    if (delta > 0) {
      this.lastRawTs = raw;
      this.lastExtTs = ext;
    }
    return ext;
  }

  // RFC 3550 §A.8, in milliseconds of the injected clock.
  private updateJitter(ts: number, arrivalMs: number): void {
    const transit = arrivalMs - this.samplesToMs(ts);
    if (this.lastTransitMs !== undefined) {
      const d = Math.abs(transit - this.lastTransitMs);
      // A difference beyond any delay we would keep is a timestamp jump, not jitter.
      if (d <= this.maxDelayMs) this.jitterMsValue += (d - this.jitterMsValue) / 16;
    }
    this.lastTransitMs = transit;
  }

  private samplesToMs(samples: number): number {
    return (samples * 1000) / this.clockRate;
  }
}
