// Builds the packet train RFC 4733 asks for one key press (§2.5.1):
// all packets carry the event's start timestamp; the first has the marker
// bit (§2.5.1.2); each update reports the duration so far (§2.5.1.3); the
// end packet is sent three times with the final duration (§2.5.1.4). Every
// packet, retransmissions included, takes the next sequence number.

import type { RtpPacket } from '../rtp/packet.ts';
import { digitToEvent, type DtmfDigit } from './keypad.ts';
import { serializeTelephoneEvent } from './telephone-event.ts';

export interface TelephoneEventTrainOptions {
  readonly digit: DtmfDigit;
  readonly durationMs: number;
  readonly payloadType: number;
  readonly ssrc: number;
  readonly firstSequenceNumber: number;
  /** RTP timestamp of the key press; it stays the same for the whole train. */
  readonly timestamp: number;
  /** -dBm0, 0..63; 10 is a typical key press. */
  readonly volume?: number;
  readonly clockRate?: number;
  /** Spacing of updates; the audio packetisation interval is usual. */
  readonly packetIntervalMs?: number;
  readonly endRepeats?: number;
}

export interface ScheduledRtpPacket {
  /** Milliseconds after the key press when the packet should go out. */
  readonly sendAtMs: number;
  readonly packet: RtpPacket;
}

export function telephoneEventTrain(options: TelephoneEventTrainOptions): ScheduledRtpPacket[] {
  const clockRate = options.clockRate ?? 8000;
  const intervalMs = options.packetIntervalMs ?? 20;
  const endRepeats = options.endRepeats ?? 3;
  const volume = options.volume ?? 10;
  const event = digitToEvent(options.digit);
  const step = Math.round((intervalMs * clockRate) / 1000);
  const total = Math.round((options.durationMs * clockRate) / 1000);
  if (total <= 0 || total > 0xffff) throw new RangeError('key press duration must fit 16 bits of timestamp units');

  const train: ScheduledRtpPacket[] = [];
  let seq = options.firstSequenceNumber;
  const push = (sendAtMs: number, duration: number, end: boolean) => {
    train.push({
      sendAtMs,
      packet: {
        marker: train.length === 0,
        payloadType: options.payloadType,
        sequenceNumber: seq & 0xffff,
        timestamp: options.timestamp >>> 0,
        ssrc: options.ssrc,
        csrc: [],
        paddingLength: 0,
        payload: serializeTelephoneEvent({ event, end, volume, duration }),
      },
    });
    seq++;
  };
  // Updates while the key is held: duration so far, one interval apart.
  const updates = Math.ceil(total / step) - 1;
  for (let k = 0; k < updates; k++) push(k * intervalMs, (k + 1) * step, false);
  // The end, repeated so that one lost packet does not lose the key's end.
  for (let r = 0; r < endRepeats; r++) push((updates + r) * intervalMs, total, true);
  return train;
}
