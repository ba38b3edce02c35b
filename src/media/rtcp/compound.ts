// RTCP compound packets, RFC 3550 §6.1 and the validity checks of §A.2.
//
// Every RTCP packet starts with this common header:
//
//        0                   1                   2                   3
//        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |V=2|P|  count  |      PT       |   length (32-bit words - 1)   |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// A compound packet is several of them back to back in one datagram.

import { err, ok, type MediaError, type Result } from '../result.ts';
import { parseByeBody, RTCP_BYE, serializeByeBody, type RtcpGoodbye } from './bye.ts';
import {
  parseReportBody,
  RTCP_RR,
  RTCP_SR,
  serializeReportBody,
  type RtcpReceiverReport,
  type RtcpSenderReport,
} from './report.ts';
import { parseSdesBody, RTCP_SDES, serializeSdesBody, type RtcpSourceDescription } from './sdes.ts';

/** APP, feedback (RFC 4585) and anything newer: kept as opaque bytes so a relay can pass it on. */
export interface RtcpOtherPacket {
  readonly type: 'other';
  readonly packetType: number;
  readonly count: number;
  readonly body: Buffer;
}

export type RtcpPacket = RtcpSenderReport | RtcpReceiverReport | RtcpSourceDescription | RtcpGoodbye | RtcpOtherPacket;

export type RtcpParseErrorCode =
  | 'RTCP_TOO_SHORT'
  | 'RTCP_BAD_VERSION'
  | 'RTCP_BAD_LENGTH'
  | 'RTCP_BAD_PADDING'
  | 'RTCP_BAD_FIRST_PACKET'
  | 'RTCP_MALFORMED_BODY';

export type RtcpParseError = MediaError<RtcpParseErrorCode>;

export interface RtcpParseOptions {
  /** RFC 5506 reduced-size RTCP may start with any packet type; plain RFC 3550 requires SR or RR. */
  readonly allowReducedSize?: boolean;
}

export function parseRtcpCompound(bytes: Uint8Array, options: RtcpParseOptions = {}): Result<RtcpPacket[], RtcpParseError> {
  const buf = Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  if (buf.length < 4) return err('RTCP_TOO_SHORT', 'RTCP datagram shorter than a header');
  const packets: RtcpPacket[] = [];
  let o = 0;
  while (o < buf.length) {
    if (o + 4 > buf.length) return err('RTCP_BAD_LENGTH', 'trailing octets after the last RTCP packet');
    const b0 = buf[o]!;
    if (b0 >> 6 !== 2) return err('RTCP_BAD_VERSION', 'RTCP version is not 2');
    const count = b0 & 0x1f;
    const packetType = buf[o + 1]!;
    const length = (buf.readUInt16BE(o + 2) + 1) * 4;
    if (o + length > buf.length) return err('RTCP_BAD_LENGTH', 'RTCP length runs past the datagram');
    let end = o + length;
    if (b0 & 0x20) {
      // RFC 3550 §A.2: only the last packet of a compound may be padded.
      if (end !== buf.length) return err('RTCP_BAD_PADDING', 'padding on a packet that is not last');
      const pad = buf[end - 1]!;
      if (pad === 0 || pad > length - 4) return err('RTCP_BAD_PADDING', 'RTCP padding count out of range');
      end -= pad;
    }
    if (packets.length === 0 && !options.allowReducedSize && packetType !== RTCP_SR && packetType !== RTCP_RR) {
      return err('RTCP_BAD_FIRST_PACKET', 'a compound RTCP packet must start with SR or RR');
    }
    const body = buf.subarray(o + 4, end);
    const packet = parseBody(packetType, count, body);
    if (!packet) return err('RTCP_MALFORMED_BODY', `RTCP packet type ${packetType} body does not match its count`);
    packets.push(packet);
    o += length;
  }
  return ok(packets);
}

function parseBody(packetType: number, count: number, body: Buffer): RtcpPacket | undefined {
  switch (packetType) {
    case RTCP_SR:
    case RTCP_RR:
      return parseReportBody(packetType, count, body);
    case RTCP_SDES:
      return parseSdesBody(count, body);
    case RTCP_BYE:
      return parseByeBody(count, body);
    default:
      return { type: 'other', packetType, count, body };
  }
}

export function serializeRtcpPacket(packet: RtcpPacket): Buffer {
  let packetType: number;
  let count: number;
  let body: Buffer;
  switch (packet.type) {
    case 'sender-report':
    case 'receiver-report':
      packetType = packet.type === 'sender-report' ? RTCP_SR : RTCP_RR;
      count = packet.reports.length;
      body = serializeReportBody(packet);
      break;
    case 'source-description':
      packetType = RTCP_SDES;
      count = packet.chunks.length;
      body = serializeSdesBody(packet);
      break;
    case 'goodbye':
      packetType = RTCP_BYE;
      count = packet.sources.length;
      body = serializeByeBody(packet);
      break;
    case 'other':
      packetType = packet.packetType;
      count = packet.count;
      body = packet.body;
      break;
  }
  if (body.length % 4 !== 0) throw new RangeError('RTCP body must be a multiple of 32 bits');
  const header = Buffer.allocUnsafe(4);
  header[0] = 0x80 | (count & 0x1f);
  header[1] = packetType;
  header.writeUInt16BE(body.length / 4, 2);
  return Buffer.concat([header, body]);
}

export function serializeRtcpCompound(packets: readonly RtcpPacket[]): Buffer {
  return Buffer.concat(packets.map(serializeRtcpPacket));
}
