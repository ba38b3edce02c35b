// Which source address a media socket accepts packets from.
//
// SDP names where the peer wants media sent, but a phone behind NAT sends
// from another address than the one it wrote. Relays therefore "latch" onto
// the address packets actually come from, and the classic mistake (the "RTP
// bleed" class of bugs) is to keep re-latching: then anyone who can guess
// the port can take over or listen to the stream. Here latching happens
// once, on a packet that passed a check the caller supplies (it parsed as
// RTP with a negotiated payload type; or, with SRTP, it authenticated), and
// never again for the life of the negotiation.
//
// States (one transition function, `enter`):
//   expecting -> latched   first checked packet; its address is kept
//   latched   -> latched   (no transition: other senders are refused)
// A new offer/answer (re-INVITE with a new c=/m=) makes a new PeerLatch.

export interface MediaAddress {
  readonly address: string;
  readonly port: number;
}

export type LatchPolicy =
  /** Accept only the address SDP named (peers with public addresses, trunks). */
  | 'negotiated-only'
  /** Accept the first checked packet's address, from any IP (phones behind NAT). */
  | 'latch-once'
  /** Latch once, but only from the IP that SDP named; the port may differ. */
  | 'latch-once-same-ip';

export type LatchVerdict =
  /** Deliver the packet. */
  | 'accept'
  /** This packet fixed the peer's address; deliver it. */
  | 'latched'
  /** Not the peer: drop, and count it. */
  | 'refuse';

export type PeerLatchState = 'expecting' | 'latched';

export class PeerLatch {
  private stateValue: PeerLatchState = 'expecting';
  private peer: MediaAddress | undefined;

  constructor(
    private readonly negotiated: MediaAddress,
    private readonly policy: LatchPolicy,
  ) {}

  get state(): PeerLatchState {
    return this.stateValue;
  }

  /** Where to send media: the latched address once known, else the negotiated one. */
  get sendTo(): MediaAddress {
    return this.peer ?? this.negotiated;
  }

  /**
   * Judges one received packet. `passedCheck` says the packet is plausibly
   * the peer's (valid RTP with a negotiated payload type and, with SRTP,
   * authenticated); only such a packet can latch.
   */
  judge(source: MediaAddress, passedCheck: boolean): LatchVerdict {
    if (this.stateValue === 'latched') return sameAddress(source, this.peer!) ? 'accept' : 'refuse';
    if (!passedCheck) return 'refuse';
    switch (this.policy) {
      case 'negotiated-only':
        if (!sameAddress(source, this.negotiated)) return 'refuse';
        break;
      case 'latch-once-same-ip':
        if (source.address !== this.negotiated.address) return 'refuse';
        break;
      case 'latch-once':
        break;
    }
    this.enter('latched');
    this.peer = { address: source.address, port: source.port };
    return 'latched';
  }

  private enter(next: PeerLatchState): void {
    if (!(this.stateValue === 'expecting' && next === 'latched')) {
      throw new Error(`peer latch: illegal transition ${this.stateValue} -> ${next}`);
    }
    this.stateValue = next;
  }
}

function sameAddress(a: MediaAddress, b: MediaAddress): boolean {
  return a.port === b.port && a.address === b.address;
}
