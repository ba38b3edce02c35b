// RTP fixed header, RFC 3550 §5.1:
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |V=2|P|X|  CC   |M|     PT      |       sequence number         |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                           timestamp                           |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |           synchronization source (SSRC) identifier            |
// +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// |            contributing source (CSRC) identifiers             |
// |                             ....                              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// Header extension, RFC 3550 §5.3.1 (present when X=1):
//
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |      defined by profile       |           length              |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |                        header extension                       |
// |                             ....                              |
//
// Padding (P=1): the last octet of the packet counts the padding octets,
// itself included.

import { err, ok, type MediaError, type Result } from '../result.ts';

export const RTP_VERSION = 2;
export const RTP_FIXED_HEADER_LENGTH = 12;

export interface RtpHeaderExtension {
  /** The 16 "defined by profile" bits (0xBEDE for RFC 8285 one-byte headers). */
  readonly profile: number;
  /** Extension body, a multiple of 4 octets on the wire. */
  readonly data: Buffer;
}

export interface RtpPacket {
  readonly marker: boolean;
  readonly payloadType: number;
  readonly sequenceNumber: number;
  readonly timestamp: number;
  readonly ssrc: number;
  readonly csrc: readonly number[];
  readonly extension?: RtpHeaderExtension;
  /** Padding octets to add (serialize) or that were present (parse); 0 means P=0. */
  readonly paddingLength: number;
  /** A view into the parsed buffer, not a copy: copy it before the buffer is reused. */
  readonly payload: Buffer;
}

export type RtpParseErrorCode =
  | 'RTP_TOO_SHORT'
  | 'RTP_BAD_VERSION'
  | 'RTP_TRUNCATED_CSRC'
  | 'RTP_TRUNCATED_EXTENSION'
  | 'RTP_BAD_PADDING';

export type RtpParseError = MediaError<RtpParseErrorCode>;

export function parseRtpPacket(bytes: Uint8Array): Result<RtpPacket, RtpParseError> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < RTP_FIXED_HEADER_LENGTH) return err('RTP_TOO_SHORT', 'RTP packet shorter than the fixed header');
  const b0 = buf[0]!;
  const b1 = buf[1]!;
  if (b0 >> 6 !== RTP_VERSION) return err('RTP_BAD_VERSION', 'RTP version is not 2');
  const hasPadding = (b0 & 0x20) !== 0;
  const hasExtension = (b0 & 0x10) !== 0;
  const csrcCount = b0 & 0x0f;

  let offset = RTP_FIXED_HEADER_LENGTH;
  if (buf.length < offset + csrcCount * 4) return err('RTP_TRUNCATED_CSRC', 'CSRC list runs past the packet');
  const csrc: number[] = [];
  for (let i = 0; i < csrcCount; i++, offset += 4) csrc.push(buf.readUInt32BE(offset));

  let extension: RtpHeaderExtension | undefined;
  if (hasExtension) {
    if (buf.length < offset + 4) return err('RTP_TRUNCATED_EXTENSION', 'extension header runs past the packet');
    const profile = buf.readUInt16BE(offset);
    const length = buf.readUInt16BE(offset + 2) * 4;
    offset += 4;
    if (buf.length < offset + length) return err('RTP_TRUNCATED_EXTENSION', 'extension body runs past the packet');
    extension = { profile, data: buf.subarray(offset, offset + length) };
    offset += length;
  }

  let end = buf.length;
  let paddingLength = 0;
  if (hasPadding) {
    paddingLength = buf[buf.length - 1]!;
    // RFC 3550 §5.1: the count includes itself, so zero is impossible.
    if (paddingLength === 0 || offset + paddingLength > buf.length) {
      return err('RTP_BAD_PADDING', 'padding count is zero or longer than the payload');
    }
    end -= paddingLength;
  }

  const packet: RtpPacket = {
    marker: (b1 & 0x80) !== 0,
    payloadType: b1 & 0x7f,
    sequenceNumber: buf.readUInt16BE(2),
    timestamp: buf.readUInt32BE(4),
    ssrc: buf.readUInt32BE(8),
    csrc,
    paddingLength,
    payload: buf.subarray(offset, end),
    ...(extension ? { extension } : {}),
  };
  return ok(packet);
}

/** Octets the header (fixed part, CSRCs, extension) occupies for this packet. */
export function rtpHeaderLength(packet: Pick<RtpPacket, 'csrc' | 'extension'>): number {
  const ext = packet.extension ? 4 + paddedTo4(packet.extension.data.length) : 0;
  return RTP_FIXED_HEADER_LENGTH + packet.csrc.length * 4 + ext;
}

/**
 * Serializes our own packet. Values out of range are a bug in the caller,
 * not peer input, so they throw.
 */
export function serializeRtpPacket(packet: RtpPacket): Buffer {
  if (packet.csrc.length > 15) throw new RangeError('RTP allows at most 15 CSRCs');
  if (packet.paddingLength < 0 || packet.paddingLength > 255) throw new RangeError('RTP padding must be 0..255');
  const headerLength = rtpHeaderLength(packet);
  const out = Buffer.allocUnsafe(headerLength + packet.payload.length + packet.paddingLength);
  out[0] =
    (RTP_VERSION << 6) |
    (packet.paddingLength > 0 ? 0x20 : 0) |
    (packet.extension ? 0x10 : 0) |
    packet.csrc.length;
  out[1] = (packet.marker ? 0x80 : 0) | (packet.payloadType & 0x7f);
  out.writeUInt16BE(packet.sequenceNumber & 0xffff, 2);
  out.writeUInt32BE(packet.timestamp >>> 0, 4);
  out.writeUInt32BE(packet.ssrc >>> 0, 8);
  let offset = RTP_FIXED_HEADER_LENGTH;
  for (const id of packet.csrc) {
    out.writeUInt32BE(id >>> 0, offset);
    offset += 4;
  }
  if (packet.extension) {
    const words = paddedTo4(packet.extension.data.length) / 4;
    out.writeUInt16BE(packet.extension.profile & 0xffff, offset);
    out.writeUInt16BE(words, offset + 2);
    offset += 4;
    packet.extension.data.copy(out, offset);
    out.fill(0, offset + packet.extension.data.length, offset + words * 4);
    offset += words * 4;
  }
  packet.payload.copy(out, offset);
  offset += packet.payload.length;
  if (packet.paddingLength > 0) {
    out.fill(0, offset, out.length - 1);
    out[out.length - 1] = packet.paddingLength;
  }
  return out;
}

function paddedTo4(n: number): number {
  return (n + 3) & ~3;
}

/** RFC 3550 §A.1 arithmetic: is `a` after `b` in 16-bit sequence space? */
export function isSequenceNewer(a: number, b: number): boolean {
  const diff = (a - b) & 0xffff;
  return diff !== 0 && diff < 0x8000;
}
