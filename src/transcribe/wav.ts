// Reading the audio a voicemail arrives as: a RIFF/WAVE file (PCM 16-bit,
// G.711 mu-law or A-law, mono or stereo) or raw samples with a declared
// format. Pure: bytes in, samples or a typed error out; never throws on the
// file's bytes (they come from a caller's phone, so treat them as hostile).
//
//   RIFF header:  "RIFF" <u32 size> "WAVE"
//   chunks:       <4-char id> <u32 le size> <size bytes> [pad byte if odd]
//   "fmt " body:  u16 format, u16 channels, u32 rate, u32 byteRate,
//                 u16 blockAlign, u16 bitsPerSample [, u16 cbSize, ...]
//   "data" body:  interleaved samples

import { decodeG711 } from './g711.ts';

export type SampleEncoding = 'pcm16le' | 'mulaw' | 'alaw';

export interface PcmAudio {
  /** Mono 16-bit linear samples. */
  readonly samples: Int16Array;
  readonly sampleRate: number;
}

export type AudioReadResult =
  | { ok: true; audio: PcmAudio }
  | { ok: false; code: 'AUDIO_UNREADABLE' | 'AUDIO_UNSUPPORTED'; message: string };

const WAVE_FORMAT_PCM = 1;
const WAVE_FORMAT_ALAW = 6;
const WAVE_FORMAT_MULAW = 7;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

const unreadable = (message: string): AudioReadResult => ({ ok: false, code: 'AUDIO_UNREADABLE', message });
const unsupported = (message: string): AudioReadResult => ({ ok: false, code: 'AUDIO_UNSUPPORTED', message });

export function readWav(bytes: Uint8Array): AudioReadResult {
  if (bytes.length < 12) return unreadable('file too short to be a WAV');
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  const tag = (off: number): string => String.fromCharCode(bytes[off]!, bytes[off + 1]!, bytes[off + 2]!, bytes[off + 3]!);
  if (tag(0) !== 'RIFF' || tag(8) !== 'WAVE') return unreadable('not a RIFF/WAVE file');
  let fmt: { format: number; channels: number; rate: number; bits: number } | undefined;
  let off = 12;
  while (off + 8 <= bytes.length) {
    const id = tag(off);
    const size = view.getUint32(off + 4, true);
    const body = off + 8;
    if (id === 'fmt ') {
      if (size < 16 || body + 16 > bytes.length) return unreadable('truncated fmt chunk');
      let format = view.getUint16(body, true);
      if (format === WAVE_FORMAT_EXTENSIBLE && size >= 26 && body + 26 <= bytes.length) {
        format = view.getUint16(body + 24, true); // first two bytes of the SubFormat GUID
      }
      fmt = {
        format,
        channels: view.getUint16(body + 2, true),
        rate: view.getUint32(body + 4, true),
        bits: view.getUint16(body + 14, true),
      };
    } else if (id === 'data') {
      if (!fmt) return unreadable('data chunk before fmt chunk');
      // Recorders that stream often leave the size at 0 or 0xFFFFFFFF: take what is there.
      const end = size === 0 || body + size > bytes.length ? bytes.length : body + size;
      return decodeFormat(bytes.subarray(body, end), fmt);
    }
    off = body + size + (size & 1);
  }
  return unreadable(fmt ? 'no data chunk' : 'no fmt chunk');
}

function decodeFormat(
  data: Uint8Array,
  fmt: { format: number; channels: number; rate: number; bits: number },
): AudioReadResult {
  if (fmt.channels < 1 || fmt.channels > 8) return unsupported(`unsupported channel count ${fmt.channels}`);
  if (fmt.rate < 4000 || fmt.rate > 192000) return unsupported(`unsupported sample rate ${fmt.rate}`);
  let encoding: SampleEncoding;
  if (fmt.format === WAVE_FORMAT_PCM && fmt.bits === 16) encoding = 'pcm16le';
  else if (fmt.format === WAVE_FORMAT_MULAW && fmt.bits === 8) encoding = 'mulaw';
  else if (fmt.format === WAVE_FORMAT_ALAW && fmt.bits === 8) encoding = 'alaw';
  else return unsupported(`unsupported WAV encoding (format ${fmt.format}, ${fmt.bits} bits)`);
  return readRaw(data, { encoding, sampleRate: fmt.rate, channels: fmt.channels });
}

export interface RawFormat {
  readonly encoding: SampleEncoding;
  readonly sampleRate: number;
  readonly channels?: number;
}

/** Decodes headerless samples; several channels are averaged to mono. */
export function readRaw(data: Uint8Array, format: RawFormat): AudioReadResult {
  const channels = format.channels ?? 1;
  const width = format.encoding === 'pcm16le' ? 2 : 1;
  const frames = Math.floor(data.length / (width * channels));
  if (frames === 0) return unreadable('no audio samples');
  let interleaved: Int16Array;
  if (width === 2) {
    interleaved = new Int16Array(frames * channels);
    const view = new DataView(data.buffer, data.byteOffset, frames * channels * 2);
    for (let i = 0; i < interleaved.length; i++) interleaved[i] = view.getInt16(i * 2, true);
  } else {
    interleaved = decodeG711(data.subarray(0, frames * channels), format.encoding === 'mulaw' ? 'mulaw' : 'alaw');
  }
  if (channels === 1) return { ok: true, audio: { samples: interleaved, sampleRate: format.sampleRate } };
  const mono = new Int16Array(frames);
  for (let f = 0; f < frames; f++) {
    let sum = 0;
    for (let c = 0; c < channels; c++) sum += interleaved[f * channels + c]!;
    mono[f] = Math.round(sum / channels);
  }
  return { ok: true, audio: { samples: mono, sampleRate: format.sampleRate } };
}

/** A 16-bit PCM mono WAV around little-endian samples (for engines that read files). */
export function encodeWavPcm16(pcm: Uint8Array, sampleRate: number): Buffer {
  const header = Buffer.alloc(44);
  header.write('RIFF', 0, 'ascii');
  header.writeUInt32LE(36 + pcm.length, 4);
  header.write('WAVE', 8, 'ascii');
  header.write('fmt ', 12, 'ascii');
  header.writeUInt32LE(16, 16);
  header.writeUInt16LE(WAVE_FORMAT_PCM, 20);
  header.writeUInt16LE(1, 22);
  header.writeUInt32LE(sampleRate, 24);
  header.writeUInt32LE(sampleRate * 2, 28);
  header.writeUInt16LE(2, 32);
  header.writeUInt16LE(16, 34);
  header.write('data', 36, 'ascii');
  header.writeUInt32LE(pcm.length, 40);
  return Buffer.concat([header, pcm]);
}
