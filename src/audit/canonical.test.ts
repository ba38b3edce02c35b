import { createHash } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical.ts';
import { GENESIS_HASH, computeEventHash, linkEvent } from './chain.ts';
import type { AuditEventBody } from './event.ts';
import { phiKindOf, assertSafeDetails } from './phi-guard.ts';

describe('canonical JSON (RFC 8785 subset)', () => {
  it('sorts members, drops whitespace, escapes like JSON.stringify', () => {
    expect(canonicalJson({ b: 1, a: [true, null, 'x"\n\u0001'], é: {}, A: -0 })).toBe('{"A":0,"a":[true,null,"x\\"\\n\\u0001"],"b":1,"é":{}}');
  });

  it('sorts by UTF-16 code units, as RFC 8785 section 3.2.3 requires', () => {
    expect(canonicalJson({ '\u{1F600}': 1, '\uFB33': 2 })).toBe('{"\u{1F600}":1,"\uFB33":2}');
  });

  it('refuses what would not hash the same everywhere', () => {
    expect(() => canonicalJson({ x: 1.5 })).toThrow();
    expect(() => canonicalJson({ x: 2 ** 60 })).toThrow();
    expect(() => canonicalJson({ x: new Date(0) })).toThrow();
    expect(() => canonicalJson({ x: 1n })).toThrow();
  });
});

describe('event hash (golden vector)', () => {
  const body: AuditEventBody = {
    id: '01J0000000000000000000000A',
    seq: 1,
    at: '2026-01-01T00:00:00.000Z',
    practiceId: 'prac_1',
    actor: { type: 'user', id: 'usr_7' },
    action: 'voicemail.play',
    object: { type: 'voicemail', id: 'vm_42' },
    sourceIp: '192.0.2.10',
    outcome: 'success',
    details: { box: 'vmb_3', bytes: 48000 },
  };
  // Written out by hand: what any RFC 8785 implementation must produce.
  const canonical =
    '{"action":"voicemail.play","actor":{"id":"usr_7","type":"user"},"at":"2026-01-01T00:00:00.000Z",' +
    '"details":{"box":"vmb_3","bytes":48000},"id":"01J0000000000000000000000A","object":{"id":"vm_42","type":"voicemail"},' +
    '"outcome":"success","practiceId":"prac_1","seq":1,"sourceIp":"192.0.2.10"}';

  it('is SHA-256 over 32 zero bytes then the canonical body', () => {
    const expected = createHash('sha256').update(Buffer.alloc(32)).update(canonical).digest('hex');
    expect(computeEventHash(GENESIS_HASH, body)).toBe(expected);
    expect(computeEventHash(GENESIS_HASH, body)).toBe('03f32e56180b037a5577734c992a5cbf60a6d01576ae779b9bbde7533f755f43');
  });

  it('links the next event to the previous hash', () => {
    const first = linkEvent({ seq: 0, hash: GENESIS_HASH }, body);
    const second = linkEvent({ seq: 1, hash: first.hash }, { ...body, seq: 2, id: 'evt2' });
    expect(second.prevHash).toBe(first.hash);
    expect(() => linkEvent({ seq: 1, hash: first.hash }, { ...body, seq: 3 })).toThrow();
  });
});

describe('PHI guard', () => {
  it.each([
    ['+15551234567', 'phone'],
    ['555-123-4567', 'phone'],
    ['(555)123-4567', 'phone'],
    ['5551234567', 'phone'],
    ['from:+442071234567', 'phone'],
    ['jane@example.com', 'email'],
    ['sip:101@pbx.example.test', 'sip_uri'],
    ['tel:+15551234567', 'sip_uri'],
    ['<sips:alice@example.test>', 'sip_uri'],
    ['chest pain since Tuesday', 'free_text'],
  ])('flags %s as %s', (value, kind) => {
    expect(phiKindOf(value)).toBe(kind);
    expect(() => assertSafeDetails({ v: value })).toThrow(expect.objectContaining({ code: 'AUDIT_PHI_SUSPECTED', path: 'details.v' }));
  });

  it.each([
    '550e8400-e29b-41d4-a716-446655440000',
    '01HZX3K5Q8T2N9M4V7B6C1D0EF',
    '2026-01-01T00:00:00.000Z',
    '2026-01-01',
    '192.168.10.200',
    '2001:db8::1',
    'voicemail.play',
    'settings.attach_audio',
    'sha256:9f86d081884c7d659a2feaa0c55ad015',
    '101',
  ])('lets the id or code %s through', (value) => {
    expect(phiKindOf(value)).toBeNull();
  });

  it('rejects odd shapes: floats, long strings, deep nesting, bad keys', () => {
    const code = (d: unknown) => {
      try {
        assertSafeDetails(d);
        return 'ok';
      } catch (e) {
        return (e as { code: string }).code;
      }
    };
    expect(code({ n: 1.5 })).toBe('AUDIT_DETAILS_INVALID');
    expect(code({ s: 'x'.repeat(257) })).toBe('AUDIT_DETAILS_INVALID');
    expect(code({ a: { b: { c: { d: { e: { f: 1 } } } } } })).toBe('AUDIT_DETAILS_INVALID');
    expect(code({ 'bad key': 1 })).toBe('AUDIT_DETAILS_INVALID');
    expect(code([1])).toBe('AUDIT_DETAILS_INVALID');
    expect(code({ before: { attachAudio: false }, after: { attachAudio: true }, ids: ['u1', 'u2'] })).toBe('ok');
  });
});

describe('action catalogue', () => {
  it('every catalogued action passes event validation', async () => {
    const { AUDIT_ACTIONS } = await import('./actions.ts');
    const { validateEventInput } = await import('./event.ts');
    for (const action of Object.values(AUDIT_ACTIONS)) {
      expect(() =>
        validateEventInput({ practiceId: 'p', actor: { type: 'system', id: 's' }, action, object: null, sourceIp: null, outcome: 'success' }),
      ).not.toThrow();
    }
  });
});
