import { describe, expect, it } from 'vitest';
import { scrubPhi, scrubString } from './phi-scrub.ts';

describe('scrubPhi', () => {
  it.each([
    'call from (555) 012-3456 waiting',
    'caller +1 555 012 3456',
    'sip:alice@clinic.example.com;transport=tcp',
    'tel:+15550123456',
    'jane.doe@example.org signed in',
  ])('blanks PHI-looking text: %s', (s) => {
    expect(scrubString(s)).toContain('[redacted]');
    expect(scrubString(s)).not.toMatch(/555|alice|jane/);
  });

  it.each(['0190a4b2-7c3e-7123-8abc-0123456789ab', '2026-11-28T02:17:57.000Z', 'port 5060', 'took 1234 ms'])('keeps ids, times and codes: %s', (s) => {
    expect(scrubString(s)).toBe(s);
  });

  it('blanks fields whose names say PHI, at any depth', () => {
    expect(scrubPhi({ userId: 'u1', user: { displayName: 'Dr Who', email: 'x', role: 'admin' } })).toEqual({
      userId: 'u1',
      user: { displayName: '[redacted]', email: '[redacted]', role: 'admin' },
    });
  });
});
