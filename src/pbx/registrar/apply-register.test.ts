import { describe, expect, it } from 'vitest';
import { parseMessage, type SipRequest } from '../../sip/message/index.ts';
import { applyRegister, contactHeaders } from './apply-register.ts';
import { DEFAULT_REGISTRAR_LIMITS, type Binding } from './binding.ts';

const NOW = 1_800_000_000_000;

function register(lines: { contact?: string[]; expires?: number; callId?: string; cseq?: number }): SipRequest {
  const headers = [
    'Via: SIP/2.0/UDP 192.0.2.10:5062;branch=z9hG4bK-1;rport',
    'Max-Forwards: 70',
    'From: <sip:101@pbx.example>;tag=a1',
    'To: <sip:101@pbx.example>',
    `Call-ID: ${lines.callId ?? 'call-1'}`,
    `CSeq: ${lines.cseq ?? 1} REGISTER`,
    ...(lines.contact ?? []).map((c) => `Contact: ${c}`),
    ...(lines.expires !== undefined ? [`Expires: ${lines.expires}`] : []),
    'Content-Length: 0',
  ];
  const r = parseMessage(Buffer.from(`REGISTER sip:pbx.example SIP/2.0\r\n${headers.join('\r\n')}\r\n\r\n`));
  if (!r.ok || r.value.kind !== 'request') throw new Error('bad test message');
  return r.value;
}

const ctx = { aor: 'p1:101', deviceId: 'd1', now: NOW, limits: DEFAULT_REGISTRAR_LIMITS, source: { transport: 'udp', address: '192.0.2.10', port: 5062 } };

function bound(over: Partial<Binding> = {}): Binding {
  return {
    aor: 'p1:101',
    contact: 'sip:101@192.0.2.10:5062',
    callId: 'call-1',
    cseq: 1,
    expiresAt: NOW + 600_000,
    q: null,
    instanceId: null,
    regId: null,
    source: ctx.source,
    deviceId: 'd1',
    userAgent: null,
    ...over,
  };
}

describe('applyRegister (RFC 3261 10.3)', () => {
  it('binds a new contact with the Expires header value', () => {
    const out = applyRegister(register({ contact: ['<sip:101@192.0.2.10:5062>'], expires: 600 }), ctx, []);
    expect(out).toMatchObject({ ok: true, remove: [], upsert: [{ contact: 'sip:101@192.0.2.10:5062', expiresAt: NOW + 600_000, cseq: 1 }] });
  });

  it('prefers the contact expires parameter and caps at the maximum', () => {
    const out = applyRegister(register({ contact: ['<sip:101@192.0.2.10:5062>;expires=99999'], expires: 120 }), ctx, []);
    expect(out.ok && out.upsert[0]!.expiresAt).toBe(NOW + DEFAULT_REGISTRAR_LIMITS.maxExpires * 1000);
  });

  it.each(['-5', '1.5', 'soon'])('refuses a contact expires=%s that is not delta-seconds with 400, not the default interval', (value) => {
    expect(applyRegister(register({ contact: [`<sip:101@192.0.2.10:5062>;expires=${value}`], expires: 600 }), ctx, [])).toEqual({ ok: false, status: 400, reason: 'Malformed Contact expires' });
  });

  it('refuses a too-brief interval with 423 and Min-Expires', () => {
    expect(applyRegister(register({ contact: ['<sip:101@192.0.2.10>'], expires: 10 }), ctx, [])).toEqual({
      ok: false,
      status: 423,
      reason: 'Interval Too Brief',
      headers: [{ name: 'Min-Expires', value: '60' }],
    });
  });

  it('answers a query (no Contact) with the live bindings only', () => {
    const expired = bound({ contact: 'sip:101@192.0.2.11', expiresAt: NOW - 1 });
    const out = applyRegister(register({}), ctx, [bound(), expired]);
    expect(out.ok && out.bindings.map((b) => b.contact)).toEqual(['sip:101@192.0.2.10:5062']);
  });

  it('removes one contact with expires=0, matching URIs by RFC 3261 19.1.4', () => {
    const out = applyRegister(register({ contact: ['<sip:101@192.0.2.10:5062;transport=udp>'], expires: 0, cseq: 2 }), ctx, [bound({ contact: 'sip:101@192.0.2.10:5062;transport=UDP' })]);
    expect(out).toMatchObject({ ok: true, bindings: [], remove: ['sip:101@192.0.2.10:5062;transport=UDP'] });
  });

  it('removes all with the wildcard, and only with Expires: 0', () => {
    expect(applyRegister(register({ contact: ['*'], expires: 0, callId: 'other' }), ctx, [bound()])).toMatchObject({ ok: true, bindings: [], remove: ['sip:101@192.0.2.10:5062'] });
    expect(applyRegister(register({ contact: ['*'], expires: 60 }), ctx, [bound()])).toMatchObject({ ok: false, status: 400 });
    expect(applyRegister(register({ contact: ['*', '<sip:101@192.0.2.10>'], expires: 0 }), ctx, [])).toMatchObject({ ok: false, status: 400 });
  });

  it('refuses an out-of-order update from the same Call-ID, accepts a newer CSeq or another Call-ID', () => {
    const b = bound({ cseq: 5 });
    expect(applyRegister(register({ contact: ['<sip:101@192.0.2.10:5062>'], cseq: 5 }), ctx, [b])).toMatchObject({ ok: false, status: 400 });
    expect(applyRegister(register({ contact: ['<sip:101@192.0.2.10:5062>'], cseq: 6 }), ctx, [b])).toMatchObject({ ok: true });
    expect(applyRegister(register({ contact: ['<sip:101@192.0.2.10:5062>'], cseq: 1, callId: 'rebooted' }), ctx, [b])).toMatchObject({ ok: true });
  });

  it('keeps outbound (RFC 5626) instance and reg-id', () => {
    const out = applyRegister(register({ contact: ['<sip:101@192.0.2.10:5062>;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>";reg-id=1'] }), ctx, []);
    expect(out.ok && out.upsert[0]).toMatchObject({ instanceId: '<urn:uuid:00000000-0000-1000-8000-000A95A0E128>', regId: 1 });
  });

  it('caps the number of contacts per address-of-record', () => {
    const many = Array.from({ length: 10 }, (_, i) => bound({ contact: `sip:101@192.0.2.${i + 20}` }));
    expect(applyRegister(register({ contact: ['<sip:101@192.0.2.99>'] }), ctx, many)).toMatchObject({ ok: false, status: 403 });
  });

  it('lists every binding with its remaining seconds in the 200', () => {
    expect(contactHeaders([bound()], NOW)).toEqual([{ name: 'Contact', value: '<sip:101@192.0.2.10:5062>;expires=600' }]);
  });
});
