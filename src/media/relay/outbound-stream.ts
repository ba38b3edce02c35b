// The RTP stream the relay sends to one leg, under its own SSRC.
//
// What goes to a phone comes from several sources over a call: the other
// leg's phone, a prompt Sotto plays, the other phone again after a transfer
// (new SSRC, new random sequence and timestamp bases). A phone that sees its
// stream's SSRC, sequence numbers or timestamps jump treats the audio as
// lost or late, or restarts its jitter buffer and clicks. So the relay always
// sends under one SSRC and maps each source's numbers onto one continuous
// sequence (RFC 3550 §5.1: sequence +1 per packet, timestamp in sampling
// instants). While a source lasts, its packets keep their relative spacing
// (offsets are fixed), so reordering and silence gaps pass through intact;
// at a switch, the new source continues one packet after the last sent
// one, its timestamp advanced by the wallclock time in between, and the
// marker bit flags the new talkspurt (RFC 3551 §4.1).

import { randomBytes } from 'node:crypto';

export interface RewrittenHeader {
  readonly sequenceNumber: number;
  readonly timestamp: number;
  /** The source changed with this packet: set the marker bit. */
  readonly switched: boolean;
}

export class OutboundStream {
  readonly ssrc: number;
  private source: number | undefined;
  private seqOffset = 0;
  private tsOffset = 0;
  private lastSeq: number;
  private lastTs: number;
  private lastSentAtMs: number | undefined;
  private lastTsIn = 0;

  constructor(private readonly clockRate = 8000) {
    const r = randomBytes(10);
    this.ssrc = r.readUInt32BE(0);
    // RFC 3550 §5.1: random bases.
    this.lastSeq = r.readUInt16BE(4);
    this.lastTs = r.readUInt32BE(6);
  }

  /**
   * Maps one packet of `source` (an SSRC, or a key above 2^32 for Sotto's
   * own players) onto the outbound stream.
   */
  rewrite(source: number, sequenceNumber: number, timestamp: number, nowMs: number, samplesPerPacket: number): RewrittenHeader {
    let switched = false;
    if (source !== this.source) {
      switched = true;
      const elapsed = this.lastSentAtMs === undefined ? 0 : Math.round(((nowMs - this.lastSentAtMs) * this.clockRate) / 1000);
      const nextSeq = (this.lastSeq + 1) & 0xffff;
      const nextTs = (this.lastTs + Math.max(samplesPerPacket, elapsed)) >>> 0;
      this.seqOffset = (nextSeq - sequenceNumber) & 0xffff;
      this.tsOffset = (nextTs - timestamp) >>> 0;
      this.source = source;
      this.lastTsIn = timestamp;
    }
    const seq = (sequenceNumber + this.seqOffset) & 0xffff;
    const ts = (timestamp + this.tsOffset) >>> 0;
    // Keep the newest position as the base for the next switch (a reordered
    // older packet must not pull it back).
    if (switched || ((sequenceNumber - ((this.lastSeq - this.seqOffset) & 0xffff)) & 0xffff) < 0x8000) {
      this.lastSeq = seq;
      this.lastTs = ts;
      this.lastTsIn = timestamp;
    }
    this.lastSentAtMs = nowMs;
    return { sequenceNumber: seq, timestamp: ts, switched };
  }

  /** The timestamp the stream is at now, for RTCP sender reports (§6.4.1). */
  timestampAt(nowMs: number): number {
    if (this.lastSentAtMs === undefined) return this.lastTs;
    return (this.lastTs + Math.round(((nowMs - this.lastSentAtMs) * this.clockRate) / 1000)) >>> 0;
  }
}
