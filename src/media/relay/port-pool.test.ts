import { describe, expect, it } from 'vitest';
import { parsePortRange, RtpPortPool } from './port-pool.ts';

describe('RTP port pool', () => {
  it('reads SOTTO_RTP_PORTS and refuses nonsense', () => {
    expect(parsePortRange('20000-20999')).toEqual({ ok: true, value: { min: 20000, max: 20999 } });
    for (const bad of ['20000', '20999-20000', '80-90', '20000-70000', 'a-b']) expect(parsePortRange(bad).ok, bad).toBe(false);
  });

  it('hands out even ports whose RTCP partner is inside the range, then says it is exhausted', () => {
    const pool = new RtpPortPool({ min: 20001, max: 20006 });
    // 20002/3 and 20004/5 fit; 20006 has no 20007 inside the range.
    expect(pool.capacity).toBe(2);
    const a = pool.allocate();
    const b = pool.allocate();
    expect([a, b]).toEqual([{ ok: true, value: 20002 }, { ok: true, value: 20004 }]);
    const c = pool.allocate();
    expect(c.ok).toBe(false);
    if (!c.ok) expect(c.error.code).toBe('RELAY_PORTS_EXHAUSTED');
  });

  it('does not reuse a freed port at once while others are free', () => {
    const pool = new RtpPortPool({ min: 20000, max: 20009 });
    const first = pool.allocate();
    if (!first.ok) throw new Error('unexpected');
    pool.release(first.value);
    const next = pool.allocate();
    expect(next).toEqual({ ok: true, value: 20002 });
    expect(pool.inUse).toBe(1);
  });
});
