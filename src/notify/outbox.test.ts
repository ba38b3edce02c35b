import { describe, expect, it } from 'vitest';
import { MemoryOutboxStore } from './outbox.ts';
import { DEFAULT_RETRY_POLICY, retryDelay } from './retry-policy.ts';

const JOB = { kind: 'voicemail', messageId: '0193a6f2-4c1d-7e2a-9b3f-2d4e6a8c0b1e', recipientId: '0193a6f2-4c1d-7e2a-9b3f-aaaaaaaaaaaa' } as const;

describe('MemoryOutboxStore', () => {
  it('leases a claimed entry: no second worker gets it until the lease lapses, and each claim counts an attempt', async () => {
    const store = new MemoryOutboxStore();
    await store.add(JOB, 1_000);
    expect(await store.claimDue(1_000, 61_000, 10)).toMatchObject([{ attempts: 1 }]);
    expect(await store.claimDue(1_000, 61_000, 10)).toEqual([]);
    expect(await store.nextDueAt()).toBe(61_000);
    expect(await store.claimDue(61_000, 121_000, 10)).toMatchObject([{ attempts: 2 }]);
  });

  it('never hands out a failed entry again, and lets the same job queue anew', async () => {
    const store = new MemoryOutboxStore();
    const first = await store.add(JOB, 0);
    await store.claimDue(0, 10, 10);
    await store.fail(first.id, 'NOTIFY_SMTP_REJECTED');
    expect(await store.claimDue(100, 200, 10)).toEqual([]);
    expect(await store.nextDueAt()).toBeUndefined();
    const second = await store.add(JOB, 100);
    expect(second.id).not.toBe(first.id);
  });
});

describe('retryDelay', () => {
  it('doubles from 30 s, caps at an hour, and stops after 8 attempts', () => {
    const delays = [1, 2, 3, 4, 5, 6, 7, 8].map((n) => retryDelay(DEFAULT_RETRY_POLICY, n));
    expect(delays).toEqual([30_000, 60_000, 120_000, 240_000, 480_000, 960_000, 1_920_000, undefined]);
    expect(retryDelay({ ...DEFAULT_RETRY_POLICY, maxAttempts: 20 }, 12)).toBe(3_600_000);
  });
});
