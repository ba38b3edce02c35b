// The RTP port range the relay hands out (SOTTO_RTP_PORTS, e.g. 20000-20999).
//
// RFC 3550 §11: RTP takes an even port and RTCP the odd one above it, so the
// pool deals in even ports and reserves port+1 with each. Ports are handed
// out round-robin rather than lowest-first: a port freed by a call that just
// ended is not reused at once, so its straggling packets (or a peer still
// sending after BYE) do not land in the next call.

import { err, ok, type MediaError, type Result } from '../result.ts';

export interface PortRange {
  readonly min: number;
  readonly max: number;
}

export type PortRangeParseError = MediaError<'RELAY_BAD_PORT_RANGE'>;
export type PortsExhausted = MediaError<'RELAY_PORTS_EXHAUSTED'>;

/** Reads "20000-20999" (the SOTTO_RTP_PORTS form). */
export function parsePortRange(text: string): Result<PortRange, PortRangeParseError> {
  const m = /^\s*(\d{1,5})\s*-\s*(\d{1,5})\s*$/.exec(text);
  if (!m) return err('RELAY_BAD_PORT_RANGE', 'port range must look like 20000-20999');
  const min = Number(m[1]);
  const max = Number(m[2]);
  if (min < 1024 || max > 65535 || max < min + 1) return err('RELAY_BAD_PORT_RANGE', 'port range must lie within 1024-65535 and hold a pair');
  return ok({ min, max });
}

export class RtpPortPool {
  private readonly first: number;
  private readonly last: number;
  private readonly used = new Set<number>();
  private cursor: number;

  constructor(range: PortRange) {
    this.first = range.min + (range.min & 1);
    // The last even port whose RTCP partner is still inside the range.
    this.last = range.max - ((range.max & 1) === 0 ? 2 : 1);
    if (this.last < this.first) throw new RangeError('RTP port range holds no even/odd pair');
    this.cursor = this.first;
  }

  /** Pairs in the range. */
  get capacity(): number {
    return (this.last - this.first) / 2 + 1;
  }

  get inUse(): number {
    return this.used.size;
  }

  /** An even RTP port; port + 1 is its RTCP port and is reserved with it. */
  allocate(): Result<number, PortsExhausted> {
    if (this.used.size >= this.capacity) {
      return err('RELAY_PORTS_EXHAUSTED', `all ${this.capacity} RTP port pairs are in use`);
    }
    for (;;) {
      const port = this.cursor;
      this.cursor = port + 2 > this.last ? this.first : port + 2;
      if (!this.used.has(port)) {
        this.used.add(port);
        return ok(port);
      }
    }
  }

  release(port: number): void {
    this.used.delete(port);
  }
}
