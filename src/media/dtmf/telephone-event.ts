// RFC 4733 §2.3 telephone-event payload:
//
//  0                   1                   2                   3
//  0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1 2 3 4 5 6 7 8 9 0 1
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
// |     event     |E|R| volume    |          duration             |
// +-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+-+
//
// All packets of one event share the RTP timestamp of its start; duration
// (in timestamp units) grows with each update; E marks the end.

import { err, ok, type MediaError, type Result } from '../result.ts';

export const TELEPHONE_EVENT_LENGTH = 4;

export interface TelephoneEvent {
  /** Event code, RFC 4733 §3.2 (0-15 are DTMF keys, 16 flash). */
  readonly event: number;
  readonly end: boolean;
  /** Power level as -dBm0, 0..63 (§2.5.2.2); only meaningful for DTMF. */
  readonly volume: number;
  /** Duration so far, in RTP timestamp units. */
  readonly duration: number;
}

export type TelephoneEventParseError = MediaError<'TELEPHONE_EVENT_TOO_SHORT'>;

export function parseTelephoneEvent(payload: Uint8Array): Result<TelephoneEvent, TelephoneEventParseError> {
  // §2.3: a packet may carry several 4-octet blocks (redundancy, RFC 2198
  // aside); the last block is the current event.
  if (payload.length < TELEPHONE_EVENT_LENGTH) {
    return err('TELEPHONE_EVENT_TOO_SHORT', 'telephone-event payload shorter than 4 octets');
  }
  const o = payload.length - (payload.length % TELEPHONE_EVENT_LENGTH) - TELEPHONE_EVENT_LENGTH;
  const b1 = payload[o + 1]!;
  return ok({
    event: payload[o]!,
    end: (b1 & 0x80) !== 0,
    volume: b1 & 0x3f,
    duration: (payload[o + 2]! << 8) | payload[o + 3]!,
  });
}

export function serializeTelephoneEvent(event: TelephoneEvent): Buffer {
  if (event.duration < 0 || event.duration > 0xffff) throw new RangeError('telephone-event duration is 16 bits');
  const out = Buffer.allocUnsafe(TELEPHONE_EVENT_LENGTH);
  out[0] = event.event & 0xff;
  // §2.3: the R bit is reserved, sent as zero.
  out[1] = (event.end ? 0x80 : 0) | (event.volume & 0x3f);
  out.writeUInt16BE(event.duration, 2);
  return out;
}
