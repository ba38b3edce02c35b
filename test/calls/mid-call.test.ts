// What two phones in a call notice of the requests between them once the
// call is up (mid-call.ts), and of a caller hanging up in the two moments
// a BYE used to go astray, over real loopback UDP through the B2BUA:
//
// - INFO (RFC 6086): the other phone gets it with the same Content-Type,
//   Info-Package and body, on its own dialog (its CSeq, its tags), and the
//   phone that sent it gets the other phone's final status.
// - UPDATE (RFC 3311): a refresh is answered 200 with Sotto's Contact and
//   never reaches the other phone; a new offer reaches it as a re-INVITE
//   through the relay, the answer comes back in the 200, and audio flows on
//   the new address; a second offer while one is pending gets 491.
// - Max-Forwards: a re-INVITE Sotto passes on carries the phone's value
//   less one; the BYE a phone's BYE causes carries Sotto's own 70 (a BYE in
//   a dialog cannot loop).
// - A caller's BYE while the callee's answer is being passed on, and while
//   voicemail is still to answer: 200, 487 to the INVITE, the callee or
//   voicemail let go, the record says cancelled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectToneSegments, generateTone } from '../../src/media/index.ts';
import type { MediaRelay } from '../../src/media/relay/index.ts';
import type { UnavailableCall } from '../../src/pbx/calls/call.ts';
import type { CallRecord } from '../../src/pbx/cdr/call-record.ts';
import { getCSeq, getHeader, type SipMessage, type SipRequest, type SipResponse } from '../../src/sip/message/index.ts';
import { sendPaced } from '../media/fake-phone.ts';
import { CallServer, type B2buaOverrides } from './call-server.ts';

let server: CallServer;
beforeAll(async () => {
  server = await CallServer.start({ min: 49600, max: 49659 });
});
afterAll(async () => {
  await server?.close();
});

const records: CallRecord[] = [];

async function phones(overrides: B2buaOverrides = {}) {
  records.length = 0;
  server.reset({ records: { record: (r) => records.push(r) }, ...overrides });
  const a = await server.phone('101');
  const b = await server.phone('102');
  expect((await b.register()).status).toBe(200);
  const ma = await server.media();
  const mb = await server.media();
  return { a, b, ma, mb };
}

/** 101 calls 102, 102 answers, both 2xx ACKed. */
async function connectedCall(overrides: B2buaOverrides = {}) {
  const { a, b, ma, mb } = await phones(overrides);
  b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
  const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
  const ok = await a.waitResponse('INVITE', 200, 1);
  call.ack2xx(ok);
  ma.takeAnswer(ok.body.toString('utf8'));
  await b.waitRequest('ACK');
  return { a, b, ma, mb, call };
}

const requestOf = (method: string) => (m: SipMessage) => m.kind === 'request' && m.method === method;
const header = (m: SipMessage, name: string) => getHeader(m.headers, name);
const tagOf = (value: string | undefined) => /;tag=([^;>\s]+)/.exec(value ?? '')?.[1];

/** The record of the call just ended; the B2BUA writes it as the call ends (or as a handed-over one settles). */
async function record(): Promise<CallRecord> {
  for (let i = 0; i < 200 && records.length === 0; i++) await new Promise((r) => setImmediate(r));
  return records[0]!;
}

describe('INFO between two phones (RFC 6086)', { timeout: 30_000 }, () => {
  it("reaches the other phone as sent, on that phone's dialog, and its final status comes back", async () => {
    const { a, b, call } = await connectedCall();
    b.infoStatus = undefined;
    const bInvite = b.lastInvite!;
    call.request('INFO', ['Content-Type: application/dtmf-relay', 'Max-Forwards: 12'], 'Signal=5\r\nDuration=160\r\n');
    const info = (await b.waitFor(requestOf('INFO'))) as SipRequest;
    // The body and its type as the caller sent them; B's dialog: Sotto's From tag of its INVITE, the phone's own To tag, B's Call-ID.
    expect([header(info, 'content-type'), info.body.toString('utf8')]).toEqual(['application/dtmf-relay', 'Signal=5\r\nDuration=160\r\n']);
    expect(header(info, 'call-id')).toBe(header(bInvite, 'call-id'));
    expect(tagOf(header(info, 'from'))).toBe(tagOf(header(bInvite, 'from')));
    expect(tagOf(header(info, 'to'))).toBeDefined();
    expect(getCSeq(info)).toEqual({ seq: 2, method: 'INFO' });
    expect(header(info, 'max-forwards')).toBe('11');
    // The callee's phone does not take it: the caller hears so.
    b.reply(info, 415);
    expect((await a.waitResponse('INFO')).status).toBe(415);

    // Another, with an Info Package named: passed on with it; this time the phone takes it.
    b.infoStatus = 200;
    call.request('INFO', ['Info-Package: foo', 'Content-Type: application/foo'], 'x=1');
    const second = (await b.waitFor((m) => requestOf('INFO')(m) && getCSeq(m)?.seq === 3)) as SipRequest;
    expect([header(second, 'info-package'), header(second, 'content-type'), second.body.toString('utf8')]).toEqual(['foo', 'application/foo', 'x=1']);
    expect((await a.waitResponse('INFO', 200, 3)).status).toBe(200);
    call.bye();
    await b.waitRequest('BYE');
  });

  it('from the callee reaches the caller; no hops left is 483, never passed on', async () => {
    const { a, b, call } = await connectedCall();
    const r = b.lastInvite!;
    const contact = /<([^>]+)>/.exec(header(r, 'contact') ?? '')?.[1] ?? '';
    // The callee's own tag, as Sotto's ACK of its 200 echoes it.
    const ownTag = tagOf(header(await b.waitRequest('ACK'), 'to'));
    const info = (seq: number, hops: number) =>
      b.sendRaw(
        [
          `INFO ${contact} SIP/2.0`,
          `${b.via};branch=z9hG4bKinfo${seq};rport`,
          `Max-Forwards: ${hops}`,
          `From: ${header(r, 'to')};tag=${ownTag}`,
          `To: ${header(r, 'from')}`,
          `Call-ID: ${header(r, 'call-id')}`,
          `CSeq: ${seq} INFO`,
          'Content-Type: application/dtmf',
        ],
        '7',
        'INFO',
      );
    info(2, 0);
    expect((await b.waitResponse('INFO')).status).toBe(483);
    info(3, 70);
    const toCaller = (await a.waitFor(requestOf('INFO'))) as SipRequest;
    expect([header(toCaller, 'content-type'), toCaller.body.toString('utf8'), header(toCaller, 'max-forwards')]).toEqual(['application/dtmf', '7', '69']);
    expect(header(toCaller, 'call-id')).toBe(call.callId);
    expect((await b.waitResponse('INFO', 200, 2)).status).toBe(200);
    expect(a.received.filter(requestOf('INFO'))).toHaveLength(1);
    call.bye();
    await b.waitRequest('BYE');
  });

  it('outside any call is 481', async () => {
    const { a, call } = await connectedCall();
    call.bye();
    await a.waitResponse('BYE');
    // The dialog is gone with the call.
    call.request('INFO', ['Content-Type: application/dtmf'], '1');
    expect((await a.waitResponse('INFO')).status).toBe(481);
  });
});

describe('UPDATE in a call (RFC 3311)', { timeout: 30_000 }, () => {
  it('a refresh (no body) is answered 200 with Contact and no body, and never reaches the other phone', async () => {
    const { a, b, call } = await connectedCall();
    call.request('UPDATE', []);
    const ok = await a.waitResponse('UPDATE');
    expect([ok.status, header(ok, 'contact'), ok.body.length]).toEqual([200, `<sip:127.0.0.1:${server.port('UDP')}>`, 0]);
    expect(b.flow.filter((l) => l.startsWith('<')).slice(-1)).toEqual(['< ACK']);
    call.bye();
    await b.waitRequest('BYE');
  });

  it('a new offer reaches the other phone through the relay, the answer comes in the 200, and audio flows on the new address', async () => {
    const { a, b, mb, call } = await connectedCall();
    // The caller moves its media to a new port (a softphone changing network, say).
    const moved = await server.media();
    call.request('UPDATE', ['Content-Type: application/sdp'], moved.offer({ codecs: ['PCMU'] }));
    const reInvite = (await b.waitFor((m) => requestOf('INVITE')(m) && (getCSeq(m)?.seq ?? 0) > 1)) as SipRequest;
    // The offer B gets is the relay's (its address, not the caller's new port).
    expect(reInvite.body.toString('utf8')).toMatch(/^c=IN IP4 127\.0\.0\.1$/m);
    expect(reInvite.body.toString('utf8')).not.toContain(`m=audio ${moved.port} `);
    const ok = await a.waitResponse('UPDATE');
    expect([ok.status, header(ok, 'content-type'), header(ok, 'contact') !== undefined]).toEqual([200, 'application/sdp', true]);
    moved.takeAnswer(ok.body.toString('utf8'));
    // Sotto ACKed B's 200 to its re-INVITE.
    await b.waitFor((m) => requestOf('ACK')(m) && getCSeq(m)?.seq === getCSeq(reInvite)!.seq);

    await sendPaced(moved, moved.packets(generateTone([1000], 400, { amplitude: 8000 })));
    await sendPaced(mb, mb.packets(generateTone([600], 400, { amplitude: 8000 })));
    await mb.until(() => detectToneSegments(mb.decodedAudio(), { frequencyHz: 1000 }).length > 0);
    await moved.until(() => detectToneSegments(moved.decodedAudio(), { frequencyHz: 600 }).length > 0);
    call.bye();
    await b.waitRequest('BYE');
  });

  it('a new offer while the other phone has one pending gets 491; the pending one still completes', async () => {
    const { a, b, ma, mb, call } = await connectedCall();
    // The callee puts the caller on hold; the caller's phone does not answer Sotto's re-INVITE yet.
    a.incoming = { kind: 'ring' };
    const hold = b.reInviteIncoming(mb.offer({ codecs: ['PCMU'], direction: 'sendonly' }), 2);
    const toCaller = (await a.waitFor((m) => requestOf('INVITE')(m) && getCSeq(m)?.seq === 1 && header(m, 'to')?.includes('tag=') === true)) as SipRequest;
    call.request('UPDATE', ['Content-Type: application/sdp'], ma.offer({ codecs: ['PCMU'] }));
    expect((await a.waitResponse('UPDATE')).status).toBe(491);
    a.reply(toCaller, 200, ma.answer(toCaller.body.toString('utf8'), { codecs: ['PCMU'] }), tagOf(header(toCaller, 'to'))!);
    expect((await hold).status).toBe(200);
    call.bye();
    await b.waitRequest('BYE');
  });
});

describe('Max-Forwards of what Sotto sends because of a phone (loop protection as for the first INVITE)', { timeout: 30_000 }, () => {
  it("a caller's re-INVITE reaches the callee with the caller's value less one; its BYE causes one with 70", async () => {
    const { a, b, ma, call } = await connectedCall();
    call.request('INVITE', ['Max-Forwards: 9'], ma.offer({ codecs: ['PCMU'], direction: 'sendonly' }));
    const reInvite = (await b.waitFor((m) => requestOf('INVITE')(m) && (getCSeq(m)?.seq ?? 0) > 1)) as SipRequest;
    expect(header(reInvite, 'max-forwards')).toBe('8');
    const ok = await a.waitResponse('INVITE', 200, 2);
    call.ack2xx(ok);
    call.bye(['Max-Forwards: 5']);
    expect(header(await b.waitRequest('BYE'), 'max-forwards')).toBe('70');
  });
});

describe('a caller hanging up in the two narrow windows', { timeout: 30_000 }, () => {
  it('while the callee has answered and the caller has no 200 yet: 200 to the BYE, 487 to the INVITE, BYE to the callee, record cancelled', async () => {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    // The relay takes its time with the callee's answer: the call sits in Answering.
    const slow = new Proxy(server.relay, {
      get(target, name, receiver) {
        if (name === 'answer') return async (...args: Parameters<MediaRelay['answer']>) => (await gate, target.answer(...args));
        const v = Reflect.get(target, name, receiver) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    const { a, b, ma, mb } = await phones({ relay: slow });
    b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ringing = (await a.waitFor((m) => m.kind === 'response' && m.status === 180)) as SipResponse;
    await b.waitRequest('ACK');
    call.byeEarly(ringing);
    expect((await a.waitResponse('BYE')).status).toBe(200);
    expect((await a.waitResponse('INVITE', 200, 1)).status).toBe(487);
    await b.waitRequest('BYE');
    release();
    expect((await record()).outcome).toBe('cancelled');
    // Never a 200 to the INVITE after that.
    await new Promise((r) => setTimeout(r, 100));
    expect(a.received.filter((m) => m.kind === 'response' && m.status === 200 && getCSeq(m)?.method === 'INVITE')).toEqual([]);
  });

  it('while voicemail is still to answer: 200 to the BYE, 487 to the INVITE, voicemail finds the caller gone, record cancelled', async () => {
    const handedOver: UnavailableCall[] = [];
    let arrived: () => void = () => {};
    const handed = new Promise<void>((resolve) => (arrived = resolve));
    const { a, b, ma } = await phones({
      ringTimeoutMs: 300,
      // Voicemail looks the box up first: it has not answered when the caller hangs up.
      onUnavailable: (c) => {
        handedOver.push(c);
        arrived();
      },
    });
    b.incoming = { kind: 'ring' };
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ringing = (await a.waitFor((m) => m.kind === 'response' && m.status === 180)) as SipResponse;
    await handed;
    call.byeEarly(ringing);
    expect((await a.waitResponse('BYE')).status).toBe(200);
    expect((await a.waitResponse('INVITE', 200, 1)).status).toBe(487);
    expect((await record()).outcome).toBe('cancelled');
    // Voicemail's answer comes too late: no leg, nothing sent.
    expect(handedOver[0]!.answer('v=0\r\n')).toBeUndefined();
    handedOver[0]!.reject(480);
    expect(records).toHaveLength(1);
    expect(a.received.filter((m) => m.kind === 'response' && getCSeq(m)?.method === 'INVITE' && m.status >= 200).map((m) => (m as SipResponse).status)).toEqual([407, 487]);
  });

  it('a CANCEL while voicemail is still to answer: the record says cancelled, not no-answer', async () => {
    const handedOver: UnavailableCall[] = [];
    let arrived: () => void = () => {};
    const handed = new Promise<void>((resolve) => (arrived = resolve));
    const { a, b, ma } = await phones({ ringTimeoutMs: 300, onUnavailable: (c) => (handedOver.push(c), arrived()) });
    b.incoming = { kind: 'ring' };
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    await handed;
    call.cancel();
    expect((await a.waitResponse('INVITE', 200, 1)).status).toBe(487);
    handedOver[0]!.reject(480);
    expect((await record()).outcome).toBe('cancelled');
  });
});
