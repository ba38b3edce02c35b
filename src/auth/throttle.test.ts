import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { LruMap } from './lru-map.ts';
import { AccountLockout, AddressBackoff, SignInThrottle } from './throttle.ts';

const MIN = 60_000;

describe('AccountLockout', () => {
  it('locks after 5 failures within 15 minutes, for 15 minutes', () => {
    const clock = new ManualClock();
    const lock = new AccountLockout({ clock });
    for (let i = 0; i < 4; i++) {
      expect(lock.recordFailure('a@x.test')).toEqual({ allowed: true });
      clock.advance(MIN);
    }
    expect(lock.recordFailure('a@x.test')).toEqual({ allowed: false, retryAfterMs: 15 * MIN });
    clock.advance(10 * MIN);
    expect(lock.check('a@x.test')).toEqual({ allowed: false, retryAfterMs: 5 * MIN });
    expect(lock.check('b@x.test')).toEqual({ allowed: true });
    clock.advance(5 * MIN);
    expect(lock.check('a@x.test')).toEqual({ allowed: true });
  });

  it('does not lock for failures spread wider than the window', () => {
    const clock = new ManualClock();
    const lock = new AccountLockout({ clock });
    for (let i = 0; i < 20; i++) {
      expect(lock.recordFailure('a@x.test').allowed).toBe(true);
      clock.advance(4 * MIN);
    }
  });

  it('doubles the lockout each time it recurs, up to the cap', () => {
    const clock = new ManualClock();
    const lock = new AccountLockout({ clock, maxLockoutMs: 40 * MIN });
    const lockOnce = () => {
      let d = lock.recordFailure('a@x.test');
      for (let i = 1; i < 5; i++) d = lock.recordFailure('a@x.test');
      return d;
    };
    expect(lockOnce()).toEqual({ allowed: false, retryAfterMs: 15 * MIN });
    clock.advance(15 * MIN);
    expect(lockOnce()).toEqual({ allowed: false, retryAfterMs: 30 * MIN });
    clock.advance(30 * MIN);
    expect(lockOnce()).toEqual({ allowed: false, retryAfterMs: 40 * MIN });
  });

  it('a success clears the count; attempts while locked do not extend the lock', () => {
    const clock = new ManualClock();
    const lock = new AccountLockout({ clock });
    for (let i = 0; i < 4; i++) lock.recordFailure('a@x.test');
    lock.recordSuccess('a@x.test');
    expect(lock.recordFailure('a@x.test')).toEqual({ allowed: true });
    for (let i = 0; i < 4; i++) lock.recordFailure('a@x.test');
    clock.advance(MIN);
    expect(lock.recordFailure('a@x.test')).toEqual({ allowed: false, retryAfterMs: 14 * MIN });
    lock.unlock('a@x.test');
    expect(lock.check('a@x.test')).toEqual({ allowed: true });
  });
});

describe('AddressBackoff', () => {
  it('allows 3 free failures, then doubles the delay up to the cap', () => {
    const clock = new ManualClock();
    const backoff = new AddressBackoff({ clock, maxDelayMs: 8_000 });
    const delays = Array.from({ length: 8 }, () => backoff.recordFailure('192.0.2.7').delayMs);
    expect(delays).toEqual([0, 0, 0, 1000, 2000, 4000, 8000, 8000]);
    expect(backoff.check('192.0.2.7')).toEqual({ allowed: false, retryAfterMs: 8000 });
    expect(backoff.check('192.0.2.8')).toEqual({ allowed: true });
    clock.advance(8000);
    expect(backoff.check('192.0.2.7')).toEqual({ allowed: true });
  });

  it('forgets an address after 15 quiet minutes', () => {
    const clock = new ManualClock();
    const backoff = new AddressBackoff({ clock });
    for (let i = 0; i < 5; i++) backoff.recordFailure('192.0.2.7');
    clock.advance(15 * MIN);
    expect(backoff.recordFailure('192.0.2.7').delayMs).toBe(0);
  });

  it('never slows an office for its successes: only failures exist for it', () => {
    // A NAT address with many phones: thousands of good registrations are never
    // recorded, so two bad ones leave the address unthrottled.
    const clock = new ManualClock();
    const backoff = new AddressBackoff({ clock });
    backoff.recordFailure('203.0.113.9');
    backoff.recordFailure('203.0.113.9');
    expect(backoff.check('203.0.113.9')).toEqual({ allowed: true });
  });

  it('keeps memory bounded', () => {
    const clock = new ManualClock();
    const backoff = new AddressBackoff({ clock, maxEntries: 100 });
    for (let i = 0; i < 10_000; i++) backoff.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(backoff.size).toBe(100);
  });
});

describe('SignInThrottle', () => {
  it('locks a typed email whether or not the account exists, case-insensitively', () => {
    const clock = new ManualClock();
    const throttle = SignInThrottle.create(clock);
    for (let i = 0; i < 5; i++) throttle.recordFailure(i % 2 ? 'Nobody@X.test' : 'nobody@x.test ', `198.51.100.${i}`);
    expect(throttle.check('nobody@x.test', '198.51.100.200')).toEqual({ code: 'throttle.account_locked', retryAfterMs: 15 * MIN });
  });

  it('slows an address spraying many accounts', () => {
    const clock = new ManualClock();
    const throttle = SignInThrottle.create(clock);
    for (let i = 0; i < 4; i++) throttle.recordFailure(`user${i}@x.test`, '198.51.100.1');
    expect(throttle.check('user9@x.test', '198.51.100.1')).toEqual({ code: 'throttle.address_slowed', retryAfterMs: 1000 });
    expect(throttle.check('user9@x.test', '198.51.100.2')).toBeNull();
  });
});

describe('LruMap', () => {
  it('evicts the least recently used entry', () => {
    const m = new LruMap<string, number>(2);
    m.set('a', 1);
    m.set('b', 2);
    m.get('a');
    m.set('c', 3);
    expect([m.get('a'), m.get('b'), m.get('c')]).toEqual([1, undefined, 3]);
  });
});
