// A reproducible byte stream (xorshift32) so recovered audio can be checked
// byte for byte against what the writer was given.

export class PatternStream {
  #x: number;
  constructor(seed: number) {
    this.#x = seed >>> 0 || 1;
  }
  next(length: number): Buffer {
    const out = Buffer.alloc(length);
    let x = this.#x;
    for (let i = 0; i < length; i++) {
      x ^= x << 13;
      x >>>= 0;
      x ^= x >>> 17;
      x ^= x << 5;
      x >>>= 0;
      out[i] = x & 0xff;
    }
    this.#x = x;
    return out;
  }
}
