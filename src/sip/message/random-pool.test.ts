import { describe, expect, it } from 'vitest';
import { randomHex, randomOctets } from './random-pool.ts';

describe('random pool', () => {
  it('hands out the requested size and never the same octets twice, across refills', () => {
    const seen = new Set<string>();
    // 3,000 x 12 octets spans several 4 KiB refills.
    for (let i = 0; i < 3000; i++) {
      const h = randomHex(12);
      expect(h).toMatch(/^[0-9a-f]{24}$/);
      seen.add(h);
    }
    expect(seen.size).toBe(3000);
  });

  it('returns buffers that later draws do not overwrite', () => {
    const a = randomOctets(8);
    const copy = Buffer.from(a);
    for (let i = 0; i < 1000; i++) randomOctets(8);
    expect(a).toEqual(copy);
    expect(a.length).toBe(8);
  });
});
