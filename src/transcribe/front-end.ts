// The telephone-band front end: whatever audio a voicemail arrived as, the
// decoder gets 16 kHz 16-bit mono with the 4-8 kHz band filled when the
// audio is narrow-band (stored at 8 kHz, or stored wider but carried over a
// telephone channel, detected by its empty upper band).

import { type BandFillOptions, DEFAULT_BAND_FILL, fillHighBand, highBandEnergyRatio } from './band-fill.ts';
import { setImmediate as yieldToEventLoop } from 'node:timers/promises';
import { resample, upsample2Range } from './resample.ts';
import type { PcmAudio } from './wav.ts';

export const DECODER_RATE = 16_000;

/** Below this share of energy above 4 kHz, audio counts as telephone-band. */
const NARROW_BAND_THRESHOLD = 1e-3;

export interface FrontEndOptions {
  readonly bandFill?: BandFillOptions;
}

export interface PreparedAudio {
  /** 16 kHz signed 16-bit little-endian mono, headerless: what the decoder reads on stdin. */
  readonly pcm: Buffer;
  readonly durationMs: number;
  readonly narrowBand: boolean;
}

/** Output samples computed between event-loop turns (0.5 s of audio, a few ms of CPU). */
const SLICE = 8000;

/**
 * Converts in slices, yielding to the event loop between them, so a long
 * message never holds up the SIP and RTP work sharing this process.
 */
export async function prepareAudio(audio: PcmAudio, opts: FrontEndOptions = {}): Promise<PreparedAudio> {
  const x = new Float32Array(audio.samples.length);
  for (let i = 0; i < x.length; i++) x[i] = audio.samples[i]! / 32768;
  let y: Float32Array;
  if (audio.sampleRate * 2 === DECODER_RATE) {
    y = new Float32Array(x.length * 2);
    for (let from = 0; from < y.length; from += SLICE) {
      upsample2Range(x, y, from, Math.min(y.length, from + SLICE));
      await yieldToEventLoop();
    }
  } else {
    y = resample(x, audio.sampleRate, DECODER_RATE);
  }
  // A wide-band file can still carry telephone audio: judge by its first 10 s.
  const narrowBand = audio.sampleRate <= 8000
    || highBandEnergyRatio(y.subarray(0, 10 * DECODER_RATE)) < NARROW_BAND_THRESHOLD;
  if (narrowBand) y = fillHighBand(y, opts.bandFill ?? DEFAULT_BAND_FILL);
  const pcm = Buffer.alloc(y.length * 2);
  for (let i = 0; i < y.length; i++) {
    const v = Math.round(y[i]! * 32768);
    pcm.writeInt16LE(v > 32767 ? 32767 : v < -32768 ? -32768 : v, i * 2);
  }
  return { pcm, durationMs: Math.round((y.length / DECODER_RATE) * 1000), narrowBand };
}
