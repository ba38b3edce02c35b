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

describe('scrubPhi fast path (nothing to blank: the object itself, no copy)', () => {
  it('returns a clean object, nested objects and arrays included, as it is', () => {
    const clean = { event: 'call.setup', callId: 'c-01', legs: [{ id: 'a', codes: [200, 180] }, { id: 'b' }], nested: { a: { b: { n: 12 } } }, ok: true, none: null, gone: undefined };
    expect(scrubPhi(clean)).toBe(clean);
    const list = ['a', 1, { x: 'y' }];
    expect(scrubPhi(list)).toBe(list);
  });

  it('still blanks a PHI key in any case, at any depth, in arrays too', () => {
    expect(scrubPhi({ a: { b: [{ Email: 'x' }] } })).toEqual({ a: { b: [{ Email: '[redacted]' }] } });
    expect(scrubPhi({ PHONENUMBER: 'x', CallerId: 7, callId: 'c1' })).toEqual({ PHONENUMBER: '[redacted]', CallerId: '[redacted]', callId: 'c1' });
    // A PHI key with no value has nothing to blank.
    const empty = { email: null, name: undefined };
    expect(scrubPhi(empty)).toBe(empty);
  });

  it('still blanks a number-looking string, and keeps a number', () => {
    expect(scrubPhi({ n: '5550123456', id: 5550123456 })).toEqual({ n: '[redacted]', id: 5550123456 });
    expect(scrubPhi(['x', ['+1 (555) 012-3456']])).toEqual(['x', ['[redacted]']]);
  });

  it('still turns an Error into its scrubbed fields, nested too', () => {
    const e = Object.assign(new Error('no route to sip:bob@clinic.example'), { code: 'E_ROUTE' });
    const out = scrubPhi({ cause: e }) as { cause: Record<string, unknown> };
    expect(out.cause).toMatchObject({ type: 'Error', code: 'E_ROUTE', message: 'no route to [redacted]' });
    expect(JSON.stringify(out)).not.toContain('bob');
  });

  it('copies what the copy renders differently: a Date, a class instance, past the depth limit', () => {
    const when = { at: new Date(0) };
    expect(scrubPhi(when)).not.toBe(when);
    expect(scrubPhi(when)).toEqual({ at: {} });
    const deep = { a: { b: { c: { d: { e: { f: { g: { h: 1 } } } } } } } };
    expect(scrubPhi(deep)).not.toBe(deep);
  });
});
