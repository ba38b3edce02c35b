// Turns a stream of RFC 4733 packets into one event per key press.
//
// A key press arrives as many packets sharing one RTP timestamp: a first one
// (marker set), updates with growing duration, and an end packet that the
// sender repeats (§2.5.1.4) — so "end" arrives up to three times and any of
// them may be lost. Each key press must come out exactly once:
//  - the first end packet for a timestamp reports the key;
//  - further packets with that timestamp are retransmissions and are dropped;
//  - a packet with a new timestamp while a key is still open means its end
//    packets were all lost (§2.5.2.1): the open key is reported with the
//    longest duration seen, then the new one starts;
//  - packets older than the last key (reordered stragglers) are dropped;
//  - a key held past 0xFFFF timestamp units continues in a new segment
//    whose timestamp is the old one plus 0xFFFF, without the marker bit
//    (§2.5.1.5); the segments are joined into one event.

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
  /** In RTP timestamp units. */
  readonly duration: number;
  readonly volume: number;
  /** False when every end packet was lost and the event was closed by the next one (or by flush). */
  readonly endSeen: boolean;
}

interface OpenEvent {
  /** Timestamp of the first segment: the event's start. */
  readonly timestamp: number;
  /** Timestamp the current segment's packets carry. */
  segment: number;
  readonly event: number;
  /** Duration of the completed earlier segments. */
  carried: number;
  duration: number;
  volume: number;
}

export class TelephoneEventReceiver {
  private open: OpenEvent | undefined;
  private lastTimestamp: number | undefined;
  private closedTimestamp: number | undefined;

  /** Feeds one packet; returns the events it completes (zero, one, or two). */
  receive(packet: TelephoneEventPacket): ReceivedTelephoneEvent[] {
    const parsed = parseTelephoneEvent(packet.payload);
    if (!parsed.ok) return [];
    const te = parsed.value;
    const ts = packet.timestamp >>> 0;

    if (ts === this.closedTimestamp) return []; // a repeated end packet
    if (this.lastTimestamp !== undefined && timestampBefore(ts, this.lastTimestamp)) return []; // a straggler
    this.lastTimestamp = ts;

    const completed: ReceivedTelephoneEvent[] = [];
    const open = this.open;
    if (open && open.segment !== ts) {
      const continues =
        !packet.marker && te.event === open.event && open.duration === 0xffff && ts === ((open.segment + 0xffff) >>> 0);
      if (continues) {
        open.carried += 0xffff;
        open.segment = ts;
        open.duration = 0;
      } else {
        completed.push(this.close(false));
      }
    }
    if (!this.open) {
      this.open = { timestamp: ts, segment: ts, event: te.event, carried: 0, duration: te.duration, volume: te.volume };
    } else {
      this.open.duration = Math.max(this.open.duration, te.duration);
      this.open.volume = te.volume;
    }
    if (te.end) completed.push(this.close(true));
    return completed;
  }

  /**
   * Closes an event whose end never came, e.g. when the caller's
   * inactivity timer fires or the call ends.
   */
  flush(): ReceivedTelephoneEvent[] {
    return this.open ? [this.close(false)] : [];
  }

  private close(endSeen: boolean): ReceivedTelephoneEvent {
    const open = this.open!;
    this.open = undefined;
    this.closedTimestamp = open.segment;
    const digit = eventToDigit(open.event);
    return {
      event: open.event,
      timestamp: open.timestamp,
      duration: open.carried + open.duration,
      volume: open.volume,
      endSeen,
      ...(digit ? { digit } : {}),
    };
  }
}

function timestampBefore(a: number, b: number): boolean {
  const diff = (a - b) >>> 0;
  return diff !== 0 && diff >= 0x80000000;
}
