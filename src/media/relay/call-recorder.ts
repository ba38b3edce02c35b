// Taps one leg's incoming audio (or both, mixed) for Sotto to keep:
// voicemail and call recording. Packets go through a jitter buffer per leg,
// so the frames come out in order, one per 20 ms of wallclock, with losses
// concealed and silence where nothing came; the consumer (the vault, on the
// main thread) gets decoded 8 kHz PCM16 frames over a MessagePort in order,
// each numbered, and seals them as they arrive.

import { decodeG711 } from '../codecs/g711.ts';
import { JitterBuffer, type JitterFrameKind } from '../jitter/jitter-buffer.ts';
import type { MessagePortLike } from './control-messages.ts';

export const RECORD_FRAME_MS = 20;
// A recording is not a conversation: latency costs nothing, while a packet
// dropped as late is audio lost for good. So the buffer waits far longer
// than a playout buffer would.
const RECORD_MIN_DELAY_MS = 200;
const RECORD_MAX_DELAY_MS = 1000;

/** What the worker posts on a recording's port. */
export type RecordingPortMessage =
  | { readonly type: 'frame'; readonly index: number; readonly pcm: Int16Array; readonly kind: JitterFrameKind }
  | { readonly type: 'end' };

interface Tap {
  readonly legId: string;
  readonly law: 'pcmu' | 'pcma';
  readonly buffer: JitterBuffer;
}

export class CallRecorder {
  private readonly taps: Tap[];
  private readonly timer: NodeJS.Timeout;
  private index = 0;
  private startedAtMs: number;
  private ended = false;

  constructor(
    readonly recordId: number,
    sources: readonly { legId: string; law: 'pcmu' | 'pcma' }[],
    private readonly port: MessagePortLike,
  ) {
    const clock = { now: () => performance.now() };
    this.taps = sources.map((s) => ({ legId: s.legId, law: s.law, buffer: new JitterBuffer({ clock, law: s.law, frameMs: RECORD_FRAME_MS, minDelayMs: RECORD_MIN_DELAY_MS, maxDelayMs: RECORD_MAX_DELAY_MS }) }));
    this.startedAtMs = performance.now();
    // Pull what is due against the start time, so a late timer does not shorten the recording.
    this.timer = setInterval(() => this.pullDue(), RECORD_FRAME_MS / 2);
  }

  hears(legId: string): boolean {
    return this.taps.some((t) => t.legId === legId);
  }

  push(legId: string, sequenceNumber: number, timestamp: number, ssrc: number, payload: Buffer): void {
    for (const t of this.taps) {
      // The jitter buffer keeps the payload until played: it must own a copy.
      if (t.legId === legId) t.buffer.push({ sequenceNumber, timestamp, ssrc, payload: Buffer.from(payload) });
    }
  }

  private pullDue(): void {
    const due = Math.floor((performance.now() - this.startedAtMs) / RECORD_FRAME_MS);
    while (this.index < due) this.emit();
  }

  private emit(): void {
    let mixed: Int16Array | undefined;
    let kind: JitterFrameKind = 'silence';
    for (const t of this.taps) {
      const frame = t.buffer.pull();
      const pcm = decodeG711(t.law, frame.payload);
      if (frame.kind === 'audio' || (frame.kind === 'concealed' && kind === 'silence')) kind = frame.kind;
      if (!mixed) {
        mixed = new Int16Array(pcm);
        continue;
      }
      for (let i = 0; i < mixed.length; i++) {
        const s = mixed[i]! + (pcm[i] ?? 0);
        mixed[i] = s > 32767 ? 32767 : s < -32768 ? -32768 : s;
      }
    }
    const pcm = mixed ?? new Int16Array((8000 * RECORD_FRAME_MS) / 1000);
    const message: RecordingPortMessage = { type: 'frame', index: this.index++, pcm, kind };
    this.port.postMessage(message, [pcm.buffer]);
  }

  stop(): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.timer);
    const message: RecordingPortMessage = { type: 'end' };
    this.port.postMessage(message);
    this.port.close();
  }
}
