// In-band DTMF detection for phones that send keys as audio instead of RFC
// 4733 events. Goertzel power at the eight DTMF frequencies over 205-sample
// blocks (about 25.6 ms at 8 kHz, the classic block that puts every DTMF
// frequency near a bin centre), then the checks that keep speech and music
// from passing as keys:
//  - the strongest row and column tone together carry most of the power;
//  - each beats the other tones of its group clearly;
//  - twist (row vs column level) stays within the usual limits (8 dB
//    normal, 4 dB reverse);
//  - a key must hold for two blocks to start and be absent for two to end,
//    so one noisy block neither makes nor splits a key.

import { dbfs, goertzelPower, meanSquare } from '../analysis/goertzel.ts';
import { DTMF_COLUMN_HZ, DTMF_ROW_HZ, keyAt, type DtmfDigit } from './keypad.ts';

export interface DetectedDtmfDigit {
  readonly digit: DtmfDigit;
  readonly startMs: number;
  readonly durationMs: number;
}

export interface InbandDtmfDetectorOptions {
  readonly sampleRate?: number;
  /** Quietest accepted key, per tone. */
  readonly minLevelDbfs?: number;
}

const BLOCK_AT_8K = 205;
const MIN_PURITY = 0.7;
const GROUP_DOMINANCE = 6.3; // about 8 dB over the next tone of the group
const NORMAL_TWIST = 6.3; // 8 dB
const REVERSE_TWIST = 2.5; // 4 dB
const BLOCKS_TO_START = 2;
const BLOCKS_TO_END = 2;

export class InbandDtmfDetector {
  private readonly sampleRate: number;
  private readonly block: number;
  private readonly minLevel: number;
  private readonly pending: Int16Array;
  private pendingLength = 0;
  private blockIndex = 0;
  private candidate: DtmfDigit | undefined;
  private candidateBlocks = 0;
  private active: { digit: DtmfDigit; startBlock: number; lastBlock: number } | undefined;
  private misses = 0;

  constructor(options: InbandDtmfDetectorOptions = {}) {
    this.sampleRate = options.sampleRate ?? 8000;
    this.block = Math.round((BLOCK_AT_8K * this.sampleRate) / 8000);
    this.minLevel = options.minLevelDbfs ?? -36;
    this.pending = new Int16Array(this.block);
  }

  /** Feeds audio of any length; returns the keys that ended within it. */
  process(samples: Int16Array): DetectedDtmfDigit[] {
    const out: DetectedDtmfDigit[] = [];
    let i = 0;
    while (i < samples.length) {
      const take = Math.min(this.block - this.pendingLength, samples.length - i);
      this.pending.set(samples.subarray(i, i + take), this.pendingLength);
      this.pendingLength += take;
      i += take;
      if (this.pendingLength === this.block) {
        this.pendingLength = 0;
        const ended = this.step(this.classify(this.pending));
        if (ended) out.push(ended);
        this.blockIndex++;
      }
    }
    return out;
  }

  /** Ends a key still held at the end of the audio. */
  flush(): DetectedDtmfDigit[] {
    const active = this.active;
    this.active = undefined;
    return active ? [this.toEvent(active)] : [];
  }

  private step(digit: DtmfDigit | undefined): DetectedDtmfDigit | undefined {
    if (digit && digit === this.candidate) this.candidateBlocks++;
    else {
      this.candidate = digit;
      this.candidateBlocks = digit ? 1 : 0;
    }
    if (this.active) {
      if (digit === this.active.digit) {
        this.active.lastBlock = this.blockIndex;
        this.misses = 0;
        return undefined;
      }
      if (++this.misses < BLOCKS_TO_END) return undefined;
      const ended = this.toEvent(this.active);
      this.active = undefined;
      this.misses = 0;
      this.startIfHeld();
      return ended;
    }
    this.startIfHeld();
    return undefined;
  }

  private startIfHeld(): void {
    if (this.candidate && this.candidateBlocks >= BLOCKS_TO_START) {
      this.active = { digit: this.candidate, startBlock: this.blockIndex - this.candidateBlocks + 1, lastBlock: this.blockIndex };
      this.misses = 0;
    }
  }

  private toEvent(active: { digit: DtmfDigit; startBlock: number; lastBlock: number }): DetectedDtmfDigit {
    const blockMs = (this.block * 1000) / this.sampleRate;
    return {
      digit: active.digit,
      startMs: Math.round(active.startBlock * blockMs),
      durationMs: Math.round((active.lastBlock - active.startBlock + 1) * blockMs),
    };
  }

  private classify(block: Int16Array): DtmfDigit | undefined {
    const total = meanSquare(block, 0, block.length);
    if (dbfs(total) < this.minLevel) return undefined;
    const rows = DTMF_ROW_HZ.map((f) => goertzelPower(block, 0, block.length, f, this.sampleRate));
    const cols = DTMF_COLUMN_HZ.map((f) => goertzelPower(block, 0, block.length, f, this.sampleRate));
    const r = strongest(rows);
    const c = strongest(cols);
    const rowPower = rows[r]!;
    const colPower = cols[c]!;
    if (dbfs(rowPower) < this.minLevel || dbfs(colPower) < this.minLevel) return undefined;
    if (rowPower + colPower < MIN_PURITY * total) return undefined;
    // Normal twist: the row (low) tone louder; reverse: the column tone louder.
    if (rowPower > colPower * NORMAL_TWIST || colPower > rowPower * REVERSE_TWIST) return undefined;
    for (let k = 0; k < 4; k++) {
      if (k !== r && rows[k]! * GROUP_DOMINANCE > rowPower) return undefined;
      if (k !== c && cols[k]! * GROUP_DOMINANCE > colPower) return undefined;
    }
    return keyAt(r, c);
  }
}

function strongest(powers: readonly number[]): number {
  let best = 0;
  for (let i = 1; i < powers.length; i++) if (powers[i]! > powers[best]!) best = i;
  return best;
}
