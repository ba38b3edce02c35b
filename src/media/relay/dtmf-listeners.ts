// Who hears the keys pressed on a call's legs (MediaRelay.onDtmf): keys the
// workers find in the media (RFC 4733 events, in-band tones) and keys the
// signalling reports (SIP INFO, RFC 6086, through MediaRelay.pressKey).
//
// Many desk phones and ATAs can be set to send each key both ways at once
// (RFC 4733 in the RTP and an INFO). A key must be entered once, so per leg
// the way the first key came by is the leg's way for the rest of the call:
// keys by the other way are dropped. Whichever copy of that first key
// arrives first is the one entered and the other is dropped, so no key is
// entered twice; a phone that switches ways in the middle of a call (none
// known) would lose its keys by the new way.
import type { DtmfNotice } from './control-messages.ts';

type Way = 'media' | 'signalling';

export class DtmfListeners {
  private readonly listeners = new Map<string, Set<(notice: DtmfNotice) => void>>();
  /** Per call, per leg: the way its first key came by. */
  private readonly ways = new Map<string, Map<string, Way>>();

  /** Tells `listener` each key of call `callId` from now on; returns the unsubscribe. */
  add(callId: string, listener: (notice: DtmfNotice) => void): () => void {
    let set = this.listeners.get(callId);
    if (!set) this.listeners.set(callId, (set = new Set()));
    set.add(listener);
    return () => set.delete(listener);
  }

  /** A key found on a leg, by the media or by the signalling. */
  report(notice: DtmfNotice): void {
    // Nobody listens (yet, or any more: a worker's notice may trail the call's end): nothing to enter, nothing kept.
    const listeners = this.listeners.get(notice.callId);
    if (!listeners) return;
    const way: Way = notice.source === 'sip-info' ? 'signalling' : 'media';
    let legs = this.ways.get(notice.callId);
    if (!legs) this.ways.set(notice.callId, (legs = new Map()));
    const first = legs.get(notice.legId);
    if (first === undefined) legs.set(notice.legId, way);
    else if (first !== way) return;
    for (const listener of listeners) listener(notice);
  }

  /** The call is over: its listeners and ways go. */
  delete(callId: string): void {
    this.listeners.delete(callId);
    this.ways.delete(callId);
  }
}
