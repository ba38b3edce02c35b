import { describe, expect, it } from 'vitest';
import { A_LAW_TABLE, MU_LAW_TABLE } from './g711.ts';

describe('G.711 decode tables', () => {
  it('mu-law: golden values from the Recommendation', () => {
    expect(MU_LAW_TABLE[0xff]).toBe(0); // positive zero
    expect(MU_LAW_TABLE[0x7f]).toBe(0); // negative zero
    expect(MU_LAW_TABLE[0x80]).toBe(32124);
    expect(MU_LAW_TABLE[0x00]).toBe(-32124);
    expect(MU_LAW_TABLE[0xf0]).toBe(120);
  });

  it('A-law: golden values from the Recommendation', () => {
    expect(A_LAW_TABLE[0xd5]).toBe(8);
    expect(A_LAW_TABLE[0x55]).toBe(-8);
    expect(A_LAW_TABLE[0xaa]).toBe(32256);
    expect(A_LAW_TABLE[0x2a]).toBe(-32256);
  });

  it('both tables are monotonic within each sign', () => {
    // mu-law codes 0x80..0xff run from the largest positive down to zero.
    for (let i = 0x81; i <= 0xff; i++) expect(MU_LAW_TABLE[i]!).toBeLessThanOrEqual(MU_LAW_TABLE[i - 1]!);
  });
});
