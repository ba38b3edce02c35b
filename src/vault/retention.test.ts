import { describe, expect, it } from 'vitest';
import { VaultErrorCode } from './errors.ts';
import { DEFAULT_RETENTION_DAYS, normalizeRetention, retentionDeadline } from './retention.ts';

const created = new Date('2026-03-01T00:00:00Z');

describe('retention', () => {
  it('applies the practice policy per kind and defaults elsewhere', () => {
    const policy = { voicemail: 30, fax: null };
    expect(retentionDeadline('voicemail', created, policy)?.toISOString()).toBe('2026-03-31T00:00:00.000Z');
    expect(retentionDeadline('fax', created, policy)).toBeNull();
    const days = DEFAULT_RETENTION_DAYS.call_recording!;
    expect(retentionDeadline('call_recording', created, policy)?.getTime()).toBe(created.getTime() + days * 86_400_000);
  });

  it('never lets the audit log go before six calendar years', () => {
    expect(retentionDeadline('audit_log', created, { audit_log: 30 })?.toISOString()).toBe('2032-03-01T00:00:00.000Z');
    expect(normalizeRetention({ audit_log: 30 }).raisedToFloor).toEqual(['audit_log']);
    expect(retentionDeadline('audit_log', created, { audit_log: 3650 })?.getTime()).toBe(created.getTime() + 3650 * 86_400_000);
    expect(retentionDeadline('audit_log', created)).toBeNull();
  });

  it('rejects nonsense periods', () => {
    for (const bad of [0, -1, 1.5, Number.NaN, 1e9]) {
      expect(() => normalizeRetention({ voicemail: bad })).toThrowError(expect.objectContaining({ code: VaultErrorCode.InvalidArgument }));
    }
  });
});
