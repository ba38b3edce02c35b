// Per-source reception statistics that feed RTCP report blocks:
// sequence validation and the extended highest sequence (RFC 3550 §A.1),
// packet loss (§A.3) and the interarrival jitter estimate (§A.8).

import type { RtcpReportBlock } from './report.ts';

const RTP_SEQ_MOD = 0x10000;
// RFC 3550 §A.1 suggested constants.
const MAX_DROPOUT = 3000;
const MAX_MISORDER = 100;
const MIN_SEQUENTIAL = 2;

export type SequenceVerdict =
  /** Counted as received. */
  | 'accepted'
  /** The source is not yet validated (§A.1 probation). */
  | 'probation'
  /** A large jump; one more in sequence after it restarts the source. */
  | 'bad-jump'
  /** A duplicate or a packet reordered behind the highest one. */
  | 'duplicate-or-reordered';

export interface ReceiverStatisticsOptions {
  readonly ssrc: number;
  /** RTP clock rate of the payload (8000 for G.711). */
  readonly clockRate: number;
  /** Packets in sequence before a new source counts, §A.1 MIN_SEQUENTIAL; 1 accepts at once. */
  readonly minSequential?: number;
}

export class RtpReceiverStatistics {
  readonly ssrc: number;
  private readonly clockRate: number;
  private readonly minSequential: number;
  private maxSeq = 0;
  private cycles = 0;
  private baseSeq = 0;
  private badSeq = RTP_SEQ_MOD + 1;
  private probation: number;
  private received = 0;
  private expectedPrior = 0;
  private receivedPrior = 0;
  private started = false;
  private lastTransit: number | undefined;
  private jitterEstimate = 0;
  private lastSrMiddle = 0;
  private lastSrArrivalMs: number | undefined;

  constructor(options: ReceiverStatisticsOptions) {
    this.ssrc = options.ssrc;
    this.clockRate = options.clockRate;
    this.minSequential = options.minSequential ?? MIN_SEQUENTIAL;
    this.probation = this.minSequential;
  }

  /** Records one RTP packet from this source; arrival on the local clock in milliseconds. */
  receive(sequenceNumber: number, rtpTimestamp: number, arrivalMs: number): SequenceVerdict {
    const verdict = this.updateSequence(sequenceNumber & 0xffff);
    if (verdict === 'accepted') this.updateJitter(rtpTimestamp >>> 0, arrivalMs);
    return verdict;
  }

  // RFC 3550 §A.1 update_seq().
  private updateSequence(seq: number): SequenceVerdict {
    if (!this.started) {
      this.initSequence(seq);
      this.maxSeq = (seq - 1) & 0xffff;
      this.probation = this.minSequential;
      this.started = true;
    }
    const udelta = (seq - this.maxSeq) & 0xffff;
    if (this.probation > 0) {
      if (seq === ((this.maxSeq + 1) & 0xffff)) {
        this.probation--;
        this.maxSeq = seq;
        if (this.probation === 0) {
          this.initSequence(seq);
          this.received++;
          return 'accepted';
        }
      } else {
        this.probation = this.minSequential - 1;
        this.maxSeq = seq;
      }
      return 'probation';
    }
    if (udelta < MAX_DROPOUT) {
      // In order, with a permissible gap; a smaller number means the 16 bits wrapped.
      if (seq < this.maxSeq) this.cycles += RTP_SEQ_MOD;
      this.maxSeq = seq;
    } else if (udelta <= RTP_SEQ_MOD - MAX_MISORDER) {
      if (seq === this.badSeq) {
        // Two sequential packets after a jump: the sender restarted without changing SSRC.
        this.initSequence(seq);
        this.lastTransit = undefined;
      } else {
        this.badSeq = (seq + 1) & 0xffff;
        return 'bad-jump';
      }
    } else {
      this.received++;
      return 'duplicate-or-reordered';
    }
    this.received++;
    return 'accepted';
  }

  // RFC 3550 §A.1 init_seq().
  private initSequence(seq: number): void {
    this.baseSeq = seq;
    this.maxSeq = seq;
    this.badSeq = RTP_SEQ_MOD + 1;
    this.cycles = 0;
    this.received = 0;
    this.receivedPrior = 0;
    this.expectedPrior = 0;
  }

  // RFC 3550 §A.8: J(i) = J(i-1) + (|D(i-1,i)| - J(i-1))/16, in timestamp units.
  private updateJitter(rtpTimestamp: number, arrivalMs: number): void {
    const arrival = (arrivalMs * this.clockRate) / 1000;
    const transit = arrival - rtpTimestamp;
    if (this.lastTransit !== undefined) {
      let d = transit - this.lastTransit;
      // Timestamps wrap at 2^32; the difference of two transits must not.
      if (d > 0x80000000) d -= 0x100000000;
      else if (d < -0x80000000) d += 0x100000000;
      this.jitterEstimate += (Math.abs(d) - this.jitterEstimate) / 16;
    }
    this.lastTransit = transit;
  }

  /** Remembers an SR from this source for the LSR/DLSR fields (§6.4.1). */
  receiveSenderReport(ntpSeconds: number, ntpFraction: number, arrivalMs: number): void {
    this.lastSrMiddle = (((ntpSeconds & 0xffff) << 16) | (ntpFraction >>> 16)) >>> 0;
    this.lastSrArrivalMs = arrivalMs;
  }

  get extendedHighestSequence(): number {
    return this.cycles + this.maxSeq;
  }

  get packetsReceived(): number {
    return this.received;
  }

  /** §A.3: expected minus received since the first packet; negative when duplicates arrive. */
  get cumulativeLost(): number {
    if (!this.started || this.probation > 0) return 0;
    return this.extendedHighestSequence - this.baseSeq + 1 - this.received;
  }

  /** Interarrival jitter in RTP timestamp units, as the report block carries it. */
  get jitter(): number {
    return Math.floor(this.jitterEstimate);
  }

  /** Jitter in milliseconds, for people and for the jitter buffer. */
  get jitterMs(): number {
    return (this.jitterEstimate * 1000) / this.clockRate;
  }

  /**
   * Builds a report block and starts a new reporting interval (the fraction
   * lost is per interval, §A.3).
   */
  reportBlock(nowMs: number): RtcpReportBlock {
    const validated = this.started && this.probation === 0;
    const expected = validated ? this.extendedHighestSequence - this.baseSeq + 1 : 0;
    const expectedInterval = expected - this.expectedPrior;
    const receivedInterval = this.received - this.receivedPrior;
    this.expectedPrior = expected;
    this.receivedPrior = this.received;
    const lostInterval = expectedInterval - receivedInterval;
    const fractionLost = expectedInterval === 0 || lostInterval <= 0 ? 0 : Math.floor((lostInterval * 256) / expectedInterval);
    const dlsr =
      this.lastSrArrivalMs === undefined ? 0 : Math.max(0, Math.floor(((nowMs - this.lastSrArrivalMs) * 65536) / 1000));
    return {
      ssrc: this.ssrc,
      fractionLost: Math.min(255, fractionLost),
      cumulativeLost: Math.max(-0x800000, Math.min(0x7fffff, validated ? expected - this.received : 0)),
      extendedHighestSequence: validated ? this.extendedHighestSequence >>> 0 : 0,
      jitter: this.jitter >>> 0,
      lastSenderReport: this.lastSenderReportMiddle(),
      delaySinceLastSenderReport: dlsr >>> 0,
    };
  }

  private lastSenderReportMiddle(): number {
    return this.lastSrArrivalMs === undefined ? 0 : this.lastSrMiddle;
  }
}
