// What a sender puts in its RTCP sender report (RFC 3550 §6.4.1): packet and
// octet counts, and the wallclock (NTP format) paired with the RTP timestamp
// of the same instant, which lets the receiver sync and measure round trips.

import type { RtcpReportBlock, RtcpSenderReport } from './report.ts';

// Seconds from the NTP epoch (1900) to the Unix epoch (1970).
const NTP_UNIX_OFFSET = 2208988800;

export function unixMsToNtp(unixMs: number): { seconds: number; fraction: number } {
  const seconds = Math.floor(unixMs / 1000);
  const fraction = Math.floor(((unixMs - seconds * 1000) / 1000) * 0x100000000);
  return { seconds: (seconds + NTP_UNIX_OFFSET) >>> 0, fraction: fraction >>> 0 };
}

export class RtpSenderStatistics {
  private packets = 0;
  private octets = 0;

  constructor(
    readonly ssrc: number,
    private readonly clockRate: number,
  ) {}

  /** Counts one sent packet; `payloadLength` excludes header and padding (§6.4.1). */
  sent(payloadLength: number): void {
    this.packets = (this.packets + 1) >>> 0;
    this.octets = (this.octets + payloadLength) >>> 0;
  }

  get packetCount(): number {
    return this.packets;
  }

  /**
   * A sender report for now. `rtpTimestampAt` maps the same instant onto the
   * media clock: the last sent timestamp advanced by the time since it.
   */
  senderReport(nowUnixMs: number, rtpTimestampAt: number, reports: readonly RtcpReportBlock[] = []): RtcpSenderReport {
    const ntp = unixMsToNtp(nowUnixMs);
    return {
      type: 'sender-report',
      ssrc: this.ssrc,
      ntpSeconds: ntp.seconds,
      ntpFraction: ntp.fraction,
      rtpTimestamp: rtpTimestampAt >>> 0,
      packetCount: this.packets,
      octetCount: this.octets,
      reports,
    };
  }

  /** Media-clock units elapsed in `ms`, for advancing a timestamp to "now". */
  samplesIn(ms: number): number {
    return Math.round((ms * this.clockRate) / 1000);
  }
}
