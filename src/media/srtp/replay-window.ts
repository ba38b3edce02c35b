// The SRTP/SRTCP replay list, RFC 3711 §3.3.2: a sliding window of packet
// indices behind the highest authenticated one. An index above the window
// is new; inside it, a set bit means already received; below it, too old.
// Kept as a ring of bits so moving the window never shifts memory.

export type ReplayVerdict = 'new' | 'replayed' | 'too-old';

export class ReplayWindow {
  private readonly bits: Uint32Array;
  private highest = -1;

  /** RFC 3711 requires at least 64; libsrtp uses 128. */
  constructor(readonly size = 128) {
    if (size < 64 || size % 32 !== 0) throw new RangeError('replay window must be a multiple of 32, at least 64');
    this.bits = new Uint32Array(size / 32);
  }

  check(index: number): ReplayVerdict {
    if (index > this.highest) return 'new';
    if (this.highest - index >= this.size) return 'too-old';
    return this.isSet(index) ? 'replayed' : 'new';
  }

  /** Records an index; call only after the packet authenticated (§3.3.2). */
  accept(index: number): void {
    if (index > this.highest) {
      const advance = this.highest < 0 ? this.size : index - this.highest;
      if (advance >= this.size) this.bits.fill(0);
      else for (let i = this.highest + 1; i <= index; i++) this.clear(i);
      this.highest = index;
    }
    this.set(index);
  }

  get highestIndex(): number {
    return this.highest;
  }

  private isSet(index: number): boolean {
    const slot = index % this.size;
    return (this.bits[slot >>> 5]! & (1 << (slot & 31))) !== 0;
  }

  private set(index: number): void {
    const slot = index % this.size;
    this.bits[slot >>> 5] = this.bits[slot >>> 5]! | (1 << (slot & 31));
  }

  private clear(index: number): void {
    const slot = index % this.size;
    this.bits[slot >>> 5] = this.bits[slot >>> 5]! & ~(1 << (slot & 31));
  }
}
