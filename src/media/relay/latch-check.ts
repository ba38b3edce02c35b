// The check a packet must pass before it may fix a leg's peer address
// (PeerLatch latches once, on a checked packet). A packet from exactly the
// address SDP named passes at once. One from elsewhere (a phone behind NAT
// whose public address SDP does not know) passes only as the second of two
// packets from that same address, with the same SSRC and consecutive
// sequence numbers: a consistent stream, in the spirit of RFC 3550 §A.1's
// probation, so one spoofed packet that races the phone's first cannot take
// the stream. With SRTP the packet authenticated, which is check enough.

import type { MediaAddress } from '../rtp/peer-latch.ts';

export class LatchCheck {
  private candidate: { address: string; port: number; ssrc: number; seq: number } | undefined;

  constructor(private readonly negotiated: MediaAddress) {}

  passes(source: MediaAddress, ssrc: number, sequenceNumber: number, authenticated: boolean): boolean {
    if (authenticated) return true;
    if (source.address === this.negotiated.address && source.port === this.negotiated.port) return true;
    const c = this.candidate;
    if (c && c.address === source.address && c.port === source.port && c.ssrc === ssrc && ((c.seq + 1) & 0xffff) === sequenceNumber) {
      return true;
    }
    this.candidate = { address: source.address, port: source.port, ssrc, seq: sequenceNumber };
    return false;
  }
}
