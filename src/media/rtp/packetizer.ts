// Turns a stream of audio frames Sotto plays (greetings, prompts, tones)
// into RTP packets with consistent sequence numbers and timestamps.
//
// RFC 3550 §5.1: the first sequence number and timestamp are random, so a
// known-plaintext attack on SRTP has less to go on; the sequence number
// grows by one per packet, the timestamp by the samples the packet holds,
// and keeps growing through silence that is not sent (so the receiver can
// place the next talkspurt); the marker bit flags a talkspurt's first packet
// (RFC 3551 §4.1).

import { randomBytes } from 'node:crypto';
import type { RtpPacket } from './packet.ts';

export interface RtpPacketizerOptions {
  readonly payloadType: number;
  readonly ssrc?: number;
  readonly firstSequenceNumber?: number;
  readonly firstTimestamp?: number;
}

export class RtpPacketizer {
  readonly ssrc: number;
  private readonly payloadType: number;
  private sequenceNumber: number;
  private timestamp: number;
  private talkspurtStart = true;

  constructor(options: RtpPacketizerOptions) {
    const random = randomBytes(10);
    this.payloadType = options.payloadType;
    this.ssrc = options.ssrc ?? random.readUInt32BE(0);
    this.sequenceNumber = options.firstSequenceNumber ?? random.readUInt16BE(4);
    this.timestamp = options.firstTimestamp ?? random.readUInt32BE(6);
  }

  /** The next packet for `samples` samples of audio coded as `payload` (for G.711 they are equal). */
  next(payload: Buffer, samples = payload.length): RtpPacket {
    const packet: RtpPacket = {
      marker: this.talkspurtStart,
      payloadType: this.payloadType,
      sequenceNumber: this.sequenceNumber,
      timestamp: this.timestamp,
      ssrc: this.ssrc,
      csrc: [],
      paddingLength: 0,
      payload,
    };
    this.talkspurtStart = false;
    this.sequenceNumber = (this.sequenceNumber + 1) & 0xffff;
    this.timestamp = (this.timestamp + samples) >>> 0;
    return packet;
  }

  /** Silence not sent: time moves on, sequence numbers do not, the next packet starts a talkspurt. */
  skip(samples: number): void {
    this.timestamp = (this.timestamp + samples) >>> 0;
    this.talkspurtStart = true;
  }

  /** Where the next packet will sit, e.g. to start an RFC 4733 event there. */
  get nextTimestamp(): number {
    return this.timestamp;
  }

  /** Sequence number the next packet will take, e.g. for an RFC 4733 train sent in between. */
  get nextSequenceNumber(): number {
    return this.sequenceNumber;
  }

  /** Takes `count` sequence numbers for packets built elsewhere (a telephone-event train). */
  reserveSequenceNumbers(count: number): number {
    const first = this.sequenceNumber;
    this.sequenceNumber = (this.sequenceNumber + count) & 0xffff;
    return first;
  }
}
