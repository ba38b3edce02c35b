// The "record" step: 20 ms frames from the relay, encoded to G.711 mu-law
// and handed to the vault's SealedWriter as they arrive (sealed and synced
// at least every second). The message ends on the first of: the caller's
// hang-up, '#', the maximum length, or a long silence. Silence is held back
// in memory and written only once the caller speaks again, so a message
// ended by silence does not keep its silent tail. Quiet before the caller's
// first word is dropped too, but for a short pre-roll: a message starts when
// the caller speaks (and recognisers do badly on a long silent lead-in).
import { encodeUlaw } from '../../media/codecs/g711.ts';
import type { RecordedFrame, RecordingSink } from '../../media/relay/index.ts';
import type { SealedWriter } from '../../vault/index.ts';

export type RecordingEnd = 'hangup' | 'dtmf' | 'max-length' | 'silence' | 'inactive' | 'failed';

export interface RecorderLimits {
  /** Longest message; default 3 minutes. */
  readonly maxMs: number;
  /** Silence that ends the message; default 10 s. */
  readonly silenceMs: number;
  /** Frame RMS at or below which a frame counts as silence (PCM16 units); default 200 (about -44 dBFS). */
  readonly silenceRms: number;
}

export const DEFAULT_LIMITS: RecorderLimits = { maxMs: 180_000, silenceMs: 10_000, silenceRms: 200 };

const FRAME_MS = 20;
/** Quiet kept before the first word, so its onset is not clipped. */
const PRE_ROLL_FRAMES = 15;

function rms(pcm: Int16Array): number {
  let sum = 0;
  for (let i = 0; i < pcm.length; i++) sum += pcm[i]! * pcm[i]!;
  return Math.sqrt(sum / Math.max(1, pcm.length));
}

export class MessageRecorder implements RecordingSink {
  private recordedMs = 0;
  private heldSilence: Buffer[] = [];
  private spoken = false;
  private silentRun = 0;
  private bytes = 0;
  private stopped = false;
  private failure: unknown;
  private endedResolve: () => void = () => {};
  /** Settles when the relay delivered its last frame. */
  readonly sinkEnded = new Promise<void>((resolve) => (this.endedResolve = resolve));
  private finish: (why: RecordingEnd) => void = () => {};
  /** Settles with the first end condition met (hang-up and '#' come from outside through stop()). */
  readonly ended: Promise<RecordingEnd>;

  constructor(
    private readonly writer: SealedWriter,
    private readonly limits: RecorderLimits = DEFAULT_LIMITS,
  ) {
    this.ended = new Promise((resolve) => (this.finish = resolve));
  }

  /** Audio bytes handed to the writer (mu-law: 8 a millisecond). */
  get audioBytes(): number {
    return this.bytes;
  }

  get failed(): unknown {
    return this.failure;
  }

  frame(frame: RecordedFrame): void {
    if (this.stopped) return;
    const silent = frame.kind === 'silence' || rms(frame.pcm) <= this.limits.silenceRms;
    const encoded = encodeUlaw(frame.pcm);
    this.recordedMs += FRAME_MS;
    if (silent) {
      this.heldSilence.push(encoded);
      if (!this.spoken && this.heldSilence.length > PRE_ROLL_FRAMES) this.heldSilence.shift();
      this.silentRun += 1;
      if (this.silentRun * FRAME_MS >= this.limits.silenceMs) return this.stop('silence');
    } else {
      this.spoken = true;
      this.silentRun = 0;
      const held = this.heldSilence;
      this.heldSilence = [];
      for (const piece of [...held, encoded]) this.write(piece);
    }
    if (this.recordedMs >= this.limits.maxMs) this.stop('max-length');
  }

  end(): void {
    this.endedResolve();
    this.stop('hangup');
  }

  /** Ends the message; later frames are ignored. Silence still held is dropped. */
  stop(why: RecordingEnd): void {
    if (this.stopped) return;
    this.stopped = true;
    this.heldSilence = [];
    this.finish(why);
  }

  private write(piece: Buffer): void {
    this.bytes += piece.length;
    this.writer.write(piece).catch((e: unknown) => {
      // A failed sync (disk full, I/O error): end here; what is durable stays, and recovery delivers it.
      this.failure ??= e;
      this.stop('failed');
    });
  }
}
