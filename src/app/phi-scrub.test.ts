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

  it('skips the patterns only where none could match (same result as running them)', () => {
    const patterns = [/\b(?:sips?|tel):[^\s"'<>]+/gi, /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g, /(?<![\w-])\+?\d(?:[\s().-]*\d){6,}(?![\w-])/g];
    const full = (s: string): string => patterns.reduce((out, p) => out.replace(p, '[redacted]'), s);
    const alphabet = ['5', '0', ' ', '-', '(', ')', '+', '.', ':', '@', 'a', 's', 'i', 'p', 't', 'e', 'l', 'x', 'Z', '\u0663'];
    let seed = 7;
    const next = (n: number): number => (seed = (seed * 1103515245 + 12345) % 2 ** 31) % n;
    for (let i = 0; i < 5000; i++) {
      const s = Array.from({ length: next(24) }, () => alphabet[next(alphabet.length)]).join('');
      expect(scrubString(s), JSON.stringify(s)).toBe(full(s));
    }
    expect(scrubString('555 012')).toBe('555 012');
    expect(scrubString('555 0123')).toBe('[redacted]');
  });

  it('blanks fields whose names say PHI, at any depth', () => {
    expect(scrubPhi({ userId: 'u1', user: { displayName: 'Dr Who', email: 'x', role: 'admin' } })).toEqual({
      userId: 'u1',
      user: { displayName: '[redacted]', email: '[redacted]', role: 'admin' },
    });
  });
});
