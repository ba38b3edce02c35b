// Finds where a steady tone is present in decoded audio and how long it
// lasts, so tests (and later, answering-machine and fax-tone checks) can say
// "the 1 kHz tone arrived for about two seconds" about a recording.

import { dbfs, goertzelPower, meanSquare } from './goertzel.ts';

export interface ToneSegment {
  readonly startMs: number;
  readonly durationMs: number;
}

export interface ToneDetectionOptions {
  readonly frequencyHz: number;
  readonly sampleRate?: number;
  /** Analysis frame; 20 ms gives 50 Hz resolution at 8 kHz. */
  readonly frameMs?: number;
  /** Share of the frame's power that must be the tone (0..1). */
  readonly minPurity?: number;
  /** Frames quieter than this are not a tone, whatever their shape. */
  readonly minLevelDbfs?: number;
  /** Gaps up to this long inside a tone are bridged (a lost packet is not the tone ending). */
  readonly maxGapMs?: number;
}

export function detectToneSegments(samples: Int16Array, options: ToneDetectionOptions): ToneSegment[] {
  const sampleRate = options.sampleRate ?? 8000;
  const frameMs = options.frameMs ?? 20;
  const minPurity = options.minPurity ?? 0.6;
  const minLevel = options.minLevelDbfs ?? -45;
  const maxGapFrames = Math.round((options.maxGapMs ?? 60) / frameMs);
  const frame = Math.round((sampleRate * frameMs) / 1000);

  const segments: ToneSegment[] = [];
  let startFrame = -1;
  let lastToneFrame = -1;
  const frames = Math.floor(samples.length / frame);
  for (let f = 0; f < frames; f++) {
    const total = meanSquare(samples, f * frame, frame);
    const tone = goertzelPower(samples, f * frame, frame, options.frequencyHz, sampleRate);
    const present = dbfs(total) >= minLevel && tone >= minPurity * total;
    if (present) {
      if (startFrame < 0 || f - lastToneFrame - 1 > maxGapFrames) {
        if (startFrame >= 0) segments.push(segment(startFrame, lastToneFrame, frameMs));
        startFrame = f;
      }
      lastToneFrame = f;
    }
  }
  if (startFrame >= 0) segments.push(segment(startFrame, lastToneFrame, frameMs));
  return segments;
}

function segment(first: number, last: number, frameMs: number): ToneSegment {
  return { startMs: first * frameMs, durationMs: (last - first + 1) * frameMs };
}

export interface FrequencyEstimateOptions {
  readonly sampleRate?: number;
  readonly minHz?: number;
  readonly maxHz?: number;
  /** Resolution of the final answer. */
  readonly stepHz?: number;
}

/**
 * The strongest frequency in the samples (up to one second of them is
 * analysed): a coarse scan, then a fine one around the peak.
 */
export function dominantFrequency(samples: Int16Array, options: FrequencyEstimateOptions = {}): number {
  const sampleRate = options.sampleRate ?? 8000;
  const minHz = options.minHz ?? 50;
  const maxHz = options.maxHz ?? sampleRate / 2 - 50;
  const stepHz = options.stepHz ?? 1;
  const length = Math.min(samples.length, sampleRate);
  const coarseStep = Math.max(stepHz, 10);
  let best = minHz;
  let bestPower = -1;
  for (let f = minHz; f <= maxHz; f += coarseStep) {
    const p = goertzelPower(samples, 0, length, f, sampleRate);
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  const center = best;
  for (let f = center - coarseStep; f <= center + coarseStep; f += stepHz) {
    const p = goertzelPower(samples, 0, length, f, sampleRate);
    if (p > bestPower) {
      bestPower = p;
      best = f;
    }
  }
  return best;
}
