import { describe, expect, it } from 'vitest';
import { PeerLatch } from './peer-latch.ts';

const phone = { address: '192.0.2.10', port: 11780 };
const natted = { address: '198.51.100.20', port: 40112 };
const attacker = { address: '203.0.113.66', port: 5004 };

describe('peer latch', () => {
  it('latches once onto a NATed phone and then refuses everyone else', () => {
    const latch = new PeerLatch(phone, 'latch-once');
    expect(latch.judge(attacker, false)).toBe('refuse');
    expect(latch.state).toBe('expecting');
    expect(latch.judge(natted, true)).toBe('latched');
    expect(latch.sendTo).toEqual(natted);
    expect(latch.judge(natted, true)).toBe('accept');
    // A third address mid-call, even with a perfectly valid packet, cannot take over.
    expect(latch.judge(attacker, true)).toBe('refuse');
    expect(latch.judge({ ...natted, port: natted.port + 1 }, true)).toBe('refuse');
    expect(latch.sendTo).toEqual(natted);
  });

  it('with negotiated-only, accepts only the SDP address', () => {
    const latch = new PeerLatch(phone, 'negotiated-only');
    expect(latch.judge(natted, true)).toBe('refuse');
    expect(latch.judge(phone, true)).toBe('latched');
    expect(latch.judge(attacker, true)).toBe('refuse');
  });

  it('with latch-once-same-ip, allows a port change but not another host', () => {
    const latch = new PeerLatch(phone, 'latch-once-same-ip');
    expect(latch.judge(attacker, true)).toBe('refuse');
    expect(latch.judge({ address: phone.address, port: 50000 }, true)).toBe('latched');
    expect(latch.judge(phone, true)).toBe('refuse');
  });

  it('sends to the negotiated address until something latches', () => {
    const latch = new PeerLatch(phone, 'latch-once');
    expect(latch.sendTo).toEqual(phone);
  });
});
