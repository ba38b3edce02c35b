// Turns a stream of RFC 4733 packets into one report per key press, made
// as soon as the press is heard.
//
// RFC 4733 §2.5.1: every packet of one event carries the RTP timestamp of
// the event's start; updates grow the duration; the end packet is sent three
// times (§2.5.1.4). A new event has a new timestamp (§2.5.1.2), and may be
// the same key again.
//
// Why a key is reported at its start, not at its end: the end cannot be
// waited for. A phone may hold the event until the next key (baresip, keyed
// from its console, sends no release: in "482916#" the '#' never ends), and
// all three end packets may be lost (§2.5.2.1 leaves ending it to a timer
// the receiver does not have here). Reporting at the end held the last key
// back until the next one: a PIN's '#' never arrived, its last digit leaked
// into the next attempt, and 7 during playback acted only on the next press.
//
// Each press still comes out exactly once:
//  - the first packet heard with a new timestamp reports the key, whether it
//    is the marker packet, an update (the first ones were lost) or already
//    an end packet (a short press);
//  - further packets with that timestamp are updates or retransmissions;
//  - packets older than the current key are reordered stragglers, dropped;
//  - a key held past 0xFFFF timestamp units continues in a new segment
//    whose timestamp is the old one plus 0xFFFF, without the marker bit
//    (§2.5.1.5): the same press, not reported again.

import { eventToDigit, type DtmfDigit } from './keypad.ts';
import { parseTelephoneEvent } from './telephone-event.ts';

export interface TelephoneEventPacket {
  readonly timestamp: number;
  readonly marker: boolean;
  readonly payload: Uint8Array;
}

export interface ReceivedTelephoneEvent {
  readonly event: number;
  /** The key, for events 0-15. */
  readonly digit?: DtmfDigit;
  /** RTP timestamp of the event's start. */
  readonly timestamp: number;
  /** In RTP timestamp units: the duration the first packet heard carried (the press has only begun). */
  readonly duration: number;
  readonly volume: number;
  /** The first packet heard was already an end packet: a press shorter than one packet, or its earlier packets lost. */
  readonly endSeen: boolean;
}

/**
 * How far behind the current key a timestamp may be and still be a
 * reordered straggler (2^20 units: over 20 s even at 48 kHz). A timestamp
 * further back is a new timeline (a new SSRC after a re-INVITE starts at a
 * random timestamp), and its key is heard rather than dropped for ever.
 */
const STRAGGLER_WINDOW = 0x100000;

interface CurrentEvent {
  /** Timestamp the current segment's packets carry (§2.5.1.5). */
  segment: number;
  readonly event: number;
  ended: boolean;
}

export class TelephoneEventReceiver {
  private current: CurrentEvent | undefined;

  /** Feeds one packet; returns the key press it starts, if it starts one. */
  receive(packet: TelephoneEventPacket): ReceivedTelephoneEvent[] {
    const parsed = parseTelephoneEvent(packet.payload);
    if (!parsed.ok) return [];
    const te = parsed.value;
    const ts = packet.timestamp >>> 0;
    const cur = this.current;

    if (cur) {
      if (ts === cur.segment && te.event === cur.event) {
        // An update, or a retransmitted end (§2.5.1.4).
        cur.ended ||= te.end;
        return [];
      }
      const behind = (cur.segment - ts) >>> 0;
      if (ts !== cur.segment && behind < STRAGGLER_WINDOW) return []; // a straggler of an earlier key
      // §2.5.1.5: a long press goes on under timestamp + 0xFFFF, marker clear.
      if (!packet.marker && !cur.ended && te.event === cur.event && ts === ((cur.segment + 0xffff) >>> 0)) {
        cur.segment = ts;
        cur.ended = te.end;
        return [];
      }
      // Otherwise a new press: a new timestamp, or (from a sender that
      // reuses the timestamp, against §2.5.1.2) a different key under it.
    }

    this.current = { segment: ts, event: te.event, ended: te.end };
    const digit = eventToDigit(te.event);
    return [{ event: te.event, timestamp: ts, duration: te.duration, volume: te.volume, endSeen: te.end, ...(digit ? { digit } : {}) }];
  }
}
