// RTCP sender and receiver reports, RFC 3550 §6.4.
//
//        0                   1                   2                   3
//        0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// header |V=2|P|    RC   |   PT=SR=200   |             length            |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                         SSRC of sender                        |
//       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// sender |              NTP timestamp, most significant word             |
// info   +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |             NTP timestamp, least significant word             |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                         RTP timestamp                         |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                     sender's packet count                     |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                      sender's octet count                     |
//       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
// report |                 SSRC_1 (SSRC of first source)                 |
// block  +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//   1    | fraction lost |       cumulative number of packets lost       |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |           extended highest sequence number received           |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                      interarrival jitter                      |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                         last SR (LSR)                         |
//       +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//       |                   delay since last SR (DLSR)                  |
//       +=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+=+
//
// A receiver report (PT=201) is the same without the sender info.

export const RTCP_SR = 200;
export const RTCP_RR = 201;
export const REPORT_BLOCK_LENGTH = 24;
const SENDER_INFO_LENGTH = 20;

export interface RtcpReportBlock {
  readonly ssrc: number;
  /** Fraction lost since the previous report, as a fixed-point number out of 256. */
  readonly fractionLost: number;
  /** Signed 24-bit: duplicates can make it negative (RFC 3550 §6.4.1). */
  readonly cumulativeLost: number;
  readonly extendedHighestSequence: number;
  readonly jitter: number;
  readonly lastSenderReport: number;
  readonly delaySinceLastSenderReport: number;
}

export interface RtcpSenderReport {
  readonly type: 'sender-report';
  readonly ssrc: number;
  readonly ntpSeconds: number;
  readonly ntpFraction: number;
  readonly rtpTimestamp: number;
  readonly packetCount: number;
  readonly octetCount: number;
  readonly reports: readonly RtcpReportBlock[];
}

export interface RtcpReceiverReport {
  readonly type: 'receiver-report';
  readonly ssrc: number;
  readonly reports: readonly RtcpReportBlock[];
}

/** Parses the body (after the 4-octet common header); undefined when the body is too short. */
export function parseReportBody(
  packetType: number,
  count: number,
  body: Buffer,
): RtcpSenderReport | RtcpReceiverReport | undefined {
  const fixed = packetType === RTCP_SR ? 4 + SENDER_INFO_LENGTH : 4;
  if (body.length < fixed + count * REPORT_BLOCK_LENGTH) return undefined;
  const reports: RtcpReportBlock[] = [];
  for (let i = 0, o = fixed; i < count; i++, o += REPORT_BLOCK_LENGTH) reports.push(readReportBlock(body, o));
  const ssrc = body.readUInt32BE(0);
  if (packetType === RTCP_RR) return { type: 'receiver-report', ssrc, reports };
  return {
    type: 'sender-report',
    ssrc,
    ntpSeconds: body.readUInt32BE(4),
    ntpFraction: body.readUInt32BE(8),
    rtpTimestamp: body.readUInt32BE(12),
    packetCount: body.readUInt32BE(16),
    octetCount: body.readUInt32BE(20),
    reports,
  };
}

/** The body of an SR or RR (without the common header). */
export function serializeReportBody(report: RtcpSenderReport | RtcpReceiverReport): Buffer {
  if (report.reports.length > 31) throw new RangeError('an RTCP report carries at most 31 blocks');
  const fixed = report.type === 'sender-report' ? 4 + SENDER_INFO_LENGTH : 4;
  const out = Buffer.alloc(fixed + report.reports.length * REPORT_BLOCK_LENGTH);
  out.writeUInt32BE(report.ssrc >>> 0, 0);
  if (report.type === 'sender-report') {
    out.writeUInt32BE(report.ntpSeconds >>> 0, 4);
    out.writeUInt32BE(report.ntpFraction >>> 0, 8);
    out.writeUInt32BE(report.rtpTimestamp >>> 0, 12);
    out.writeUInt32BE(report.packetCount >>> 0, 16);
    out.writeUInt32BE(report.octetCount >>> 0, 20);
  }
  report.reports.forEach((block, i) => writeReportBlock(out, fixed + i * REPORT_BLOCK_LENGTH, block));
  return out;
}

function readReportBlock(buf: Buffer, o: number): RtcpReportBlock {
  return {
    ssrc: buf.readUInt32BE(o),
    fractionLost: buf[o + 4]!,
    cumulativeLost: buf.readIntBE(o + 5, 3),
    extendedHighestSequence: buf.readUInt32BE(o + 8),
    jitter: buf.readUInt32BE(o + 12),
    lastSenderReport: buf.readUInt32BE(o + 16),
    delaySinceLastSenderReport: buf.readUInt32BE(o + 20),
  };
}

function writeReportBlock(buf: Buffer, o: number, block: RtcpReportBlock): void {
  buf.writeUInt32BE(block.ssrc >>> 0, o);
  buf[o + 4] = block.fractionLost & 0xff;
  // Clamp rather than wrap: a wrapped count would report gain as loss.
  buf.writeIntBE(Math.max(-0x800000, Math.min(0x7fffff, block.cumulativeLost)), o + 5, 3);
  buf.writeUInt32BE(block.extendedHighestSequence >>> 0, o + 8);
  buf.writeUInt32BE(block.jitter >>> 0, o + 12);
  buf.writeUInt32BE(block.lastSenderReport >>> 0, o + 16);
  buf.writeUInt32BE(block.delaySinceLastSenderReport >>> 0, o + 20);
}
