// WAV files (RIFF WAVE) for voicemail and recordings: 16-bit PCM, µ-law and
// A-law, mono, 8 kHz by default.
//
//   "RIFF" <size> "WAVE"
//     "fmt " <16|18|40> format tag, channels, sample rate, byte rate,
//                       block align, bits per sample [, cbSize [, extension]]
//     "fact" <4> sample count            (required for non-PCM formats)
//     "data" <n> samples
//
// Chunks are word-aligned: an odd-sized chunk is followed by a pad octet.
// The reader skips chunks it does not know (LIST, bext, …), as players do.

import { err, ok, type MediaError, type Result } from './result.ts';

export type WavEncoding = 'pcm16' | 'ulaw' | 'alaw';

export interface WavAudio {
  readonly encoding: WavEncoding;
  readonly sampleRate: number;
  readonly channels: number;
  /** Sample data as stored: little-endian PCM16, or one G.711 code per octet. */
  readonly data: Buffer;
}

export type WavParseErrorCode =
  | 'WAV_NOT_RIFF'
  | 'WAV_TRUNCATED'
  | 'WAV_NO_FORMAT'
  | 'WAV_NO_DATA'
  | 'WAV_UNSUPPORTED_FORMAT';

export type WavParseError = MediaError<WavParseErrorCode>;

const WAVE_FORMAT_PCM = 0x0001;
const WAVE_FORMAT_ALAW = 0x0006;
const WAVE_FORMAT_MULAW = 0x0007;
const WAVE_FORMAT_EXTENSIBLE = 0xfffe;

export function parseWav(bytes: Uint8Array): Result<WavAudio, WavParseError> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 12 || buf.toString('latin1', 0, 4) !== 'RIFF' || buf.toString('latin1', 8, 12) !== 'WAVE') {
    return err('WAV_NOT_RIFF', 'not a RIFF WAVE file');
  }
  let format: { tag: number; channels: number; sampleRate: number; bits: number } | undefined;
  let data: Buffer | undefined;
  let o = 12;
  while (o + 8 <= buf.length) {
    const id = buf.toString('latin1', o, o + 4);
    const size = buf.readUInt32LE(o + 4);
    const body = o + 8;
    // A recorder that crashed leaves the data size unset or too large: take what is there.
    const end = Math.min(buf.length, body + size);
    if (id === 'fmt ') {
      if (end - body < 16) return err('WAV_TRUNCATED', 'fmt chunk shorter than 16 octets');
      let tag = buf.readUInt16LE(body);
      // WAVE_FORMAT_EXTENSIBLE carries the real tag as the first 2 octets of its sub-format GUID.
      if (tag === WAVE_FORMAT_EXTENSIBLE && end - body >= 26) tag = buf.readUInt16LE(body + 24);
      format = {
        tag,
        channels: buf.readUInt16LE(body + 2),
        sampleRate: buf.readUInt32LE(body + 4),
        bits: buf.readUInt16LE(body + 14),
      };
    } else if (id === 'data') {
      data = buf.subarray(body, end);
      if (format) break;
    }
    o = body + size + (size & 1);
  }
  if (!format) return err('WAV_NO_FORMAT', 'no fmt chunk');
  if (!data) return err('WAV_NO_DATA', 'no data chunk');
  let encoding: WavEncoding;
  if (format.tag === WAVE_FORMAT_PCM && format.bits === 16) encoding = 'pcm16';
  else if (format.tag === WAVE_FORMAT_MULAW && format.bits === 8) encoding = 'ulaw';
  else if (format.tag === WAVE_FORMAT_ALAW && format.bits === 8) encoding = 'alaw';
  else return err('WAV_UNSUPPORTED_FORMAT', `format tag ${format.tag} with ${format.bits} bits is not supported`);
  if (format.channels < 1) return err('WAV_UNSUPPORTED_FORMAT', 'zero channels');
  const frame = (encoding === 'pcm16' ? 2 : 1) * format.channels;
  return ok({
    encoding,
    sampleRate: format.sampleRate,
    channels: format.channels,
    // Drop a trailing partial sample frame left by a cut-off write.
    data: data.subarray(0, data.length - (data.length % frame)),
  });
}

export interface WavWriteOptions {
  readonly encoding: WavEncoding;
  readonly sampleRate?: number;
  readonly channels?: number;
}

/** The header for `dataLength` octets of samples; lets a recorder stream the data after it. */
export function wavHeader(options: WavWriteOptions, dataLength: number): Buffer {
  const sampleRate = options.sampleRate ?? 8000;
  const channels = options.channels ?? 1;
  const pcm = options.encoding === 'pcm16';
  const bytesPerSample = pcm ? 2 : 1;
  // Non-PCM formats take the 18-octet WAVEFORMATEX (cbSize = 0) and a fact chunk.
  const fmtSize = pcm ? 16 : 18;
  const factSize = pcm ? 0 : 12;
  const headerLength = 12 + 8 + fmtSize + factSize + 8;
  const out = Buffer.alloc(headerLength);
  out.write('RIFF', 0, 'latin1');
  out.writeUInt32LE(headerLength - 8 + dataLength + (dataLength & 1), 4);
  out.write('WAVE', 8, 'latin1');
  out.write('fmt ', 12, 'latin1');
  out.writeUInt32LE(fmtSize, 16);
  const tag = pcm ? WAVE_FORMAT_PCM : options.encoding === 'ulaw' ? WAVE_FORMAT_MULAW : WAVE_FORMAT_ALAW;
  out.writeUInt16LE(tag, 20);
  out.writeUInt16LE(channels, 22);
  out.writeUInt32LE(sampleRate, 24);
  out.writeUInt32LE(sampleRate * channels * bytesPerSample, 28);
  out.writeUInt16LE(channels * bytesPerSample, 32);
  out.writeUInt16LE(bytesPerSample * 8, 34);
  let o = 36;
  if (!pcm) {
    out.writeUInt16LE(0, 36);
    out.write('fact', 38, 'latin1');
    out.writeUInt32LE(4, 42);
    out.writeUInt32LE(Math.floor(dataLength / (channels * bytesPerSample)), 46);
    o = 50;
  }
  out.write('data', o, 'latin1');
  out.writeUInt32LE(dataLength, o + 4);
  return out;
}

export function writeWav(options: WavWriteOptions, data: Uint8Array): Buffer {
  const parts = [wavHeader(options, data.length), Buffer.from(data.buffer, data.byteOffset, data.byteLength)];
  if (data.length & 1) parts.push(Buffer.alloc(1));
  return Buffer.concat(parts);
}

/** PCM16 samples as the little-endian octets a WAV data chunk holds. */
export function pcm16ToBytes(samples: Int16Array): Buffer {
  const out = Buffer.allocUnsafe(samples.length * 2);
  for (let i = 0; i < samples.length; i++) out.writeInt16LE(samples[i]!, i * 2);
  return out;
}

export function bytesToPcm16(bytes: Uint8Array): Int16Array {
  const out = new Int16Array(bytes.length >> 1);
  const view = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  for (let i = 0; i < out.length; i++) out[i] = view.getInt16(i * 2, true);
  return out;
}
