// SDES-SRTP (RFC 4568) on TLS legs: offered to a callee on TLS, never put in
// SDP over UDP or TCP, refused when a caller puts keys in the clear, and
// required end to end when the practice policy says so. Audio is checked
// through the relay's own SRTP: each phone decrypts what it hears.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getHeader, type SipResponse } from '../../src/sip/message/index.ts';
import { sendPaced } from '../media/fake-phone.ts';
import type { PhoneTransport } from './call-phone.ts';
import { CallServer } from './call-server.ts';

let server: CallServer;
let requireSrtp = false;

beforeAll(async () => {
  server = await CallServer.start({ min: 43500, max: 43599 });
});
afterAll(async () => {
  await server?.close();
});

function fresh(policy: boolean): void {
  requireSrtp = policy;
  server.reset({ readCall: async () => ({ requireSrtp, callee: { doNotDisturb: false, ringTimeoutSeconds: 20 } }) });
}

const CALLER_SETUP = ['> INVITE', '< 407', '> ACK', '> INVITE'];
const SAVP = /^m=audio \d+ RTP\/SAVP /m;

/** 101 calls 102; SRTP on each leg as its phone offers or answers. */
async function call(o: { caller: PhoneTransport; callee: PhoneTransport; callerSrtp: boolean; calleeWithoutSrtp?: boolean }) {
  const a = await server.phone('101', o.caller);
  const b = await server.phone('102', o.callee);
  await b.register();
  const ma = await server.media();
  const mb = await server.media();
  b.incoming = o.calleeWithoutSrtp
    ? { kind: 'plain-only', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'], srtp: false }) }
    : { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'], srtp: /a=crypto:/.test(offer) }) };
  const c = await a.call('102', ma.offer({ codecs: ['PCMU'], srtp: o.callerSrtp }));
  return { a, b, ma, mb, c };
}

/**
 * The caller takes the 200's answer and talks; the callee hears the tone,
 * decoded with whatever keys (or none) its leg negotiated; the caller hangs up.
 */
async function talkAndHangUp({ b, ma, mb, c }: Awaited<ReturnType<typeof call>>, ok: SipResponse): Promise<void> {
  ma.takeAnswer(ok.body.toString('utf8'));
  await sendPaced(ma, ma.packets(new Int16Array(160 * 10).fill(3000)));
  await mb.until(() => mb.received.length >= 5);
  expect(Math.abs(mb.decodedAudio()[80]! - 3000)).toBeLessThan(200);
  c.bye();
  await b.waitRequest('BYE');
}

describe('SDES-SRTP on TLS legs', { timeout: 30_000 }, () => {
  it('offers SRTP to a callee on TLS and carries audio encrypted on both TLS legs', async () => {
    fresh(false);
    const p = await call({ caller: 'TLS', callee: 'TLS', callerSrtp: true });
    const { a, b, c } = p;
    const ok = await a.waitResponse('INVITE', 200, 1);
    c.ack2xx(ok);
    await b.waitRequest('ACK');
    const offerToB = b.lastInvite!.body.toString('utf8');
    expect(offerToB).toMatch(/^m=audio \d+ RTP\/SAVP /m);
    expect(offerToB).toMatch(/^a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:/m);
    expect(ok.body.toString('utf8')).toMatch(/^a=crypto:/m);
    // Each leg has its own keys (RFC 4568 6.1): the relay's key toward the callee is not the one toward the caller.
    const key = (sdp: string) => /inline:([^|\s]+)/.exec(sdp)?.[1];
    expect(key(offerToB)).toBeDefined();
    expect(key(offerToB)).not.toBe(key(ok.body.toString('utf8')));
    // The callee decrypts with the key the relay gave it: SRTP end to end through Sotto.
    await talkAndHangUp(p, ok);
  });

  it('rings a TLS phone without SRTP again with plain RTP after it refuses the SRTP offer (488), unless policy requires SRTP', async () => {
    fresh(false);
    const p = await call({ caller: 'TLS', callee: 'TLS', callerSrtp: true, calleeWithoutSrtp: true });
    const { a, b, c } = p;
    const ok = await a.waitResponse('INVITE', 200, 1);
    c.ack2xx(ok);
    await b.waitRequest('ACK');
    const offers = b.heard.filter((m) => m.kind === 'request' && m.method === 'INVITE').map((m) => m.body.toString('utf8'));
    expect(offers[0]).toMatch(/^m=audio \d+ RTP\/SAVP /m);
    const plain = offers[offers.length - 1]!;
    expect(plain).toMatch(/^m=audio \d+ RTP\/AVP /m);
    expect(plain).not.toMatch(/a=crypto/);
    // The caller's TLS leg keeps its SRTP; the relay carries the audio across in the clear toward the callee only.
    expect(ok.body.toString('utf8')).toMatch(/^a=crypto:/m);
    await talkAndHangUp(p, ok);

    // Under a require-SRTP policy the refusal stands: no second offer, the caller goes to voicemail's hook or a failure.
    fresh(true);
    const { a: a2, b: b2 } = await call({ caller: 'TLS', callee: 'TLS', callerSrtp: true, calleeWithoutSrtp: true });
    expect((await a2.waitResponse('INVITE', 400, 1)).status).toBeGreaterThanOrEqual(400);
    expect(b2.heard.filter((m) => m.kind === 'request' && m.method === 'INVITE' && !SAVP.test(m.body.toString('utf8')))).toHaveLength(0);
  });

  it('never puts keys in SDP to a callee on UDP or TCP, even when the caller (on TLS) uses SRTP', async () => {
    for (const callee of ['UDP', 'TCP'] as const) {
      fresh(false);
      const p = await call({ caller: 'TLS', callee, callerSrtp: true });
      const { a, b, c } = p;
      const ok = await a.waitResponse('INVITE', 200, 1);
      c.ack2xx(ok);
      await b.waitRequest('ACK');
      const offerToB = b.lastInvite!.body.toString('utf8');
      expect(offerToB).not.toMatch(/a=crypto/);
      expect(offerToB).toMatch(/^m=audio \d+ RTP\/AVP /m);
      // The caller's leg stays SRTP; the relay decrypts and sends plain RTP to the UDP/TCP phone.
      expect(ok.body.toString('utf8')).toMatch(/^a=crypto:/m);
      await talkAndHangUp(p, ok);
    }
  });

  it('refuses a caller that sent its SRTP keys over UDP (488), ringing nobody', async () => {
    fresh(false);
    const { a, b } = await call({ caller: 'UDP', callee: 'TLS', callerSrtp: true });
    const final = await a.waitResponse('INVITE', 300, 1);
    expect(final.status).toBe(488);
    expect(getHeader(final.headers, 'warning')).toContain('unencrypted signalling');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 488']);
    expect(b.flow).toEqual([]);
  });

  it('with SRTP required by policy: refuses a plain caller, and rings only the callee phones on TLS', async () => {
    fresh(true);
    const plain = await call({ caller: 'TLS', callee: 'TLS', callerSrtp: false });
    const refused = await plain.a.waitResponse('INVITE', 300, 1);
    expect(refused.status).toBe(488);
    expect(getHeader(refused.headers, 'warning')).toContain('SRTP over TLS required');

    fresh(true);
    const a = await server.phone('101', 'TLS');
    const onTls = await server.phone('102', 'TLS');
    const onUdp = await server.phone('102', 'UDP');
    await onTls.register();
    await onUdp.register();
    const ma = await server.media();
    const mb = await server.media();
    onTls.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'], srtp: true }) };
    const c = await a.call('102', ma.offer({ codecs: ['PCMU'], srtp: true }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    c.ack2xx(ok);
    await onTls.waitRequest('ACK');
    expect(onTls.lastInvite!.body.toString('utf8')).toMatch(/^a=crypto:/m);
    expect(onUdp.flow).toEqual([]);
    c.bye();
    await onTls.waitRequest('BYE');
  });
});
