import { describe, expect, it } from 'vitest';
import { RtpSenderStatistics, unixMsToNtp } from './sender-statistics.ts';
import { RtpReceiverStatistics } from './receiver-statistics.ts';

describe('RTP sender statistics (RFC 3550 §6.4.1)', () => {
  it('converts Unix time to NTP format', () => {
    expect(unixMsToNtp(0)).toEqual({ seconds: 2208988800, fraction: 0 });
    expect(unixMsToNtp(1_700_000_000_500)).toEqual({ seconds: 1_700_000_000 + 2208988800, fraction: 0x80000000 });
  });

  it('counts packets and payload octets into the sender report', () => {
    const tx = new RtpSenderStatistics(0x1234, 8000);
    for (let i = 0; i < 50; i++) tx.sent(160);
    const sr = tx.senderReport(1_700_000_000_250, 8000 + tx.samplesIn(10));
    expect(sr).toMatchObject({ ssrc: 0x1234, packetCount: 50, octetCount: 8000, rtpTimestamp: 8080, ntpFraction: 0x40000000 });
  });

  it('gives the receiver an LSR that matches the middle of the SR timestamp', () => {
    const tx = new RtpSenderStatistics(1, 8000);
    const sr = tx.senderReport(1_700_000_000_250, 0);
    const rx = new RtpReceiverStatistics({ ssrc: 1, clockRate: 8000 });
    rx.receiveSenderReport(sr.ntpSeconds, sr.ntpFraction, 100);
    expect(rx.reportBlock(100).lastSenderReport).toBe((((sr.ntpSeconds & 0xffff) << 16) | (sr.ntpFraction >>> 16)) >>> 0);
  });
});
