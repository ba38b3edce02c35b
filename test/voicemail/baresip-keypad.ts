// A phone's keypad as baresip 1.0.0 (libre 1.1.0) drives it from its
// console, recorded on this project's test machine (see
// src/media/dtmf/telephone-event-receiver.test.ts for the capture): each key
// is an RFC 4733 event whose updates go out every 20 ms (160 units more each,
// the first with the marker bit) until the next key is typed; then three
// end packets, and the next key starts at the audio clock's timestamp. The
// console sends no key release, so the last key typed never ends.
import { digitToEvent, serializeTelephoneEvent, type DtmfDigit, type RtpPacket } from '../../src/media/index.ts';
import type { FakePhone } from '../media/fake-phone.ts';

export interface BaresipKeysOptions {
  /** Time between two keys typed; 300 and 400 ms were what the audit typed. */
  gapMs: number;
  /** The telephone-event payload type the phone offered. */
  payloadType?: number;
  /** Updates sent for the last key, which is still held when the test looks (it never ends). */
  heldUpdates?: number;
}

/** The packets baresip sends for `keys`, in order, on `phone`'s RTP stream. */
export function baresipKeys(phone: FakePhone, keys: string, o: BaresipKeysOptions): RtpPacket[] {
  const packetizer = phone.packetizer!;
  const out: RtpPacket[] = [];
  const digits = [...keys] as DtmfDigit[];
  digits.forEach((digit, i) => {
    const last = i === digits.length - 1;
    // A key's updates fill the gap to the next key, less the three end packets.
    const updates = last ? (o.heldUpdates ?? 15) : Math.max(1, Math.round(o.gapMs / 20) - 3);
    const ends = last ? 0 : 3;
    const timestamp = packetizer.nextTimestamp;
    const first = packetizer.reserveSequenceNumbers(updates + ends);
    const packet = (k: number, end: boolean, duration: number): RtpPacket => ({
      marker: k === 0,
      payloadType: o.payloadType ?? 101,
      sequenceNumber: (first + k) & 0xffff,
      timestamp,
      ssrc: packetizer.ssrc,
      csrc: [],
      paddingLength: 0,
      payload: serializeTelephoneEvent({ event: digitToEvent(digit), end, volume: 10, duration }),
    });
    for (let k = 0; k < updates; k++) out.push(packet(k, false, (k + 1) * 160));
    for (let k = 0; k < ends; k++) out.push(packet(updates + k, true, updates * 160));
    packetizer.skip((updates + ends) * 160);
  });
  return out;
}

/** Types `keys` the way baresip sends them (all at once: the receiver hears a key by its packets, not by their pacing). */
export function typeLikeBaresip(phone: FakePhone, keys: string, o: BaresipKeysOptions): void {
  for (const p of baresipKeys(phone, keys, o)) phone.sendPacket(p);
}
