// A caller whose INVITE (or re-INVITE) carries no SDP, over real loopback
// UDP through the B2BUA: the offer is then Sotto's, in its 200, and the
// answer comes in the caller's ACK (RFC 3261 13.2.1, 14.2; RFC 3264 4).
// The callee is offered both G.711 laws from the relay; the caller is
// offered the callee's law first. An ACK without a usable answer leaves
// the call without media, so both phones are hung up (RFC 3264 4, RFC 6337).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectToneSegments, dominantFrequency, generateTone } from '../../src/media/index.ts';
import { getHeader, type SipMessage, type SipResponse } from '../../src/sip/message/index.ts';
import { sendPaced, type FakePhone } from '../media/fake-phone.ts';
import { CallServer } from './call-server.ts';

let server: CallServer;
/** The B2BUA's log events (ids and codes only), and who waits for one. */
const events: string[] = [];
let eventWaiters: Array<() => void> = [];

beforeAll(async () => {
  server = await CallServer.start({ min: 49450, max: 49549 });
});

afterAll(async () => {
  await server?.close();
});

/** A fresh B2BUA whose log the test can wait on. */
function reset(): void {
  events.length = 0;
  server.reset({
    logger: {
      info: (fields) => {
        events.push(String(fields.event));
        for (const w of eventWaiters) w();
      },
    },
  });
}

/** Settles once the B2BUA has logged `event` `count` times (call.ack_answer: the relay has applied an ACK's answer). */
function logged(event: string, count = 1): Promise<void> {
  return new Promise((resolve) => {
    const check = (): void => {
      if (events.filter((e) => e === event).length < count) return;
      eventWaiters = eventWaiters.filter((w) => w !== check);
      resolve();
    };
    eventWaiters.push(check);
    check();
  });
}

const CALLER_SETUP = ['> INVITE', '< 407', '> ACK', '> INVITE'];
const mLine = (sdp: string) => /^m=audio \d+ (.*)$/m.exec(sdp)?.[1];
const port = (sdp: string) => Number(/^m=audio (\d+) /m.exec(sdp)?.[1]);
const origin = (sdp: string) => /^o=.*$/m.exec(sdp)?.[0];
const tone = (hz: number, ms: number) => generateTone([hz], ms, { amplitude: 8000 });
const isBye = (m: SipMessage) => m.kind === 'request' && m.method === 'BYE';

function expectTone(to: FakePhone, law: 'pcmu' | 'pcma', hz: number, ms: number): void {
  const pcm = to.decodedAudio(law);
  expect(Math.abs(dominantFrequency(pcm) - hz)).toBeLessThan(15);
  const segments = detectToneSegments(pcm, { frequencyHz: hz });
  expect(segments).toHaveLength(1);
  expect(Math.abs(segments[0]!.durationMs - ms)).toBeLessThanOrEqual(40);
}

/** Each phone sends a tone of its own; each hears the other's, decoded with its own law. */
async function talk(ma: FakePhone, mb: FakePhone): Promise<void> {
  ma.received.length = 0;
  mb.received.length = 0;
  await sendPaced(ma, ma.packets(tone(1000, 600)));
  await sendPaced(mb, mb.packets(tone(600, 400)));
  await mb.until(() => mb.received.length >= 30);
  await ma.until(() => ma.received.length >= 20);
  expectTone(mb, mb.law, 1000, 600);
  expectTone(ma, ma.law, 600, 400);
}

/** 101 calls 102 with no offer in its INVITE; 102's phone answers Sotto's offer with `calleeLaw`. */
async function lateOfferCall(calleeLaw: 'PCMU' | 'PCMA', calleeEarly = false) {
  reset();
  const a = await server.phone('101');
  const b = await server.phone('102');
  expect((await b.register()).status).toBe(200);
  const ma = await server.media();
  const mb = await server.media();
  let answer = '';
  const answerB = (offer: string) => (answer = mb.answer(offer, { codecs: [calleeLaw] }));
  b.incoming = calleeEarly ? { kind: 'early', sdp: answerB } : { kind: 'answer', sdp: answerB };
  const outgoing = await a.call('102', '');
  if (calleeEarly) {
    await a.waitResponse('INVITE', 180, 1);
    b.answerIncoming(answer);
  }
  const ok = await a.waitResponse('INVITE', 200, 1);
  return { a, b, ma, mb, outgoing, ok, offerToA: ok.body.toString('utf8'), offerToB: b.lastInvite!.body.toString('utf8') };
}

describe('a caller that sends no offer (late offer)', { timeout: 30_000 }, () => {
  it('gets Sotto\'s offer in the 200 and answers it in the ACK; each phone hears the other, across the two laws', async () => {
    const { a, b, ma, mb, outgoing, ok, offerToA, offerToB } = await lateOfferCall('PCMA');
    // The caller's INVITE had no body: nothing to bridge, so the callee gets the relay's own offer.
    expect(mLine(offerToB)).toBe('RTP/AVP 0 8 101');
    expect(offerToB).toMatch(/^a=sendrecv$/m);
    expect(getHeader(b.lastInvite!.headers, 'content-type')).toBe('application/sdp');
    // The caller's 200 carries an offer of both laws, the one the callee chose first.
    expect(getHeader(ok.headers, 'content-type')).toBe('application/sdp');
    expect(mLine(offerToA)).toBe('RTP/AVP 8 0 101');
    expect(offerToA).toMatch(/^a=rtpmap:101 telephone-event\/8000$/m);
    expect(offerToA).toMatch(/^a=sendrecv$/m);
    expect(offerToA).toMatch(/^c=IN IP4 127\.0\.0\.1$/m);
    expect([ma.port, mb.port]).not.toContain(port(offerToA));
    // A mu-law-only caller answers in its ACK; the relay transcodes between the legs.
    const answer = ma.answer(offerToA, { codecs: ['PCMU'] });
    expect(mLine(answer)).toBe('RTP/AVP 0 101');
    outgoing.ack2xx(ok, answer);
    await b.waitRequest('ACK');
    await logged('call.ack_answer');
    await talk(ma, mb);
    expect(ma.law).toBe('pcmu');
    expect(mb.law).toBe('pcma');
    outgoing.bye();
    await b.waitRequest('BYE');
    const ringing = a.received.find((m): m is SipResponse => m.kind === 'response' && m.status === 180)!;
    expect(ringing.body.length).toBe(0);
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> BYE', '< 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
    expect(server.b2bua.activeCalls).toBe(0);
  });

  it('hears ringing, not early media, while the callee sends a 183 with SDP', async () => {
    const { a, b, ma, mb, outgoing, ok, offerToA } = await lateOfferCall('PCMU', true);
    const ringing = a.received.find((m): m is SipResponse => m.kind === 'response' && m.status === 180)!;
    expect(ringing.body.length).toBe(0);
    expect(getHeader(ringing.headers, 'content-type')).toBeUndefined();
    expect(mLine(offerToA)).toBe('RTP/AVP 0 8 101');
    outgoing.ack2xx(ok, ma.answer(offerToA, { codecs: ['PCMU'] }));
    await logged('call.ack_answer');
    await talk(ma, mb);
    outgoing.bye();
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> BYE', '< 200']);
    expect(b.flow).toEqual(['< INVITE', '> 183', '> 200', '< ACK', '< BYE', '> 200']);
  });

  it('is hung up, with the callee, when its ACK brings no answer', async () => {
    const { a, b, outgoing, ok } = await lateOfferCall('PCMU');
    outgoing.ack2xx(ok);
    await a.waitRequest('BYE');
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '< BYE', '> 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
    expect(server.b2bua.activeCalls).toBe(0);
  });

  it('is hung up, with the callee, when its ACK answers with nothing Sotto offered', async () => {
    const { a, b, outgoing, ok } = await lateOfferCall('PCMU');
    const g729 = ['v=0', 'o=- 7 7 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 40000 RTP/AVP 18', 'a=rtpmap:18 G729/8000', ''].join('\r\n');
    outgoing.ack2xx(ok, g729);
    await a.waitRequest('BYE');
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '< BYE', '> 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
    expect(server.b2bua.activeCalls).toBe(0);
  });
});

describe('a re-INVITE without an offer', { timeout: 30_000 }, () => {
  /** 101 calls 102 the usual way (offer in the INVITE), both on mu-law. */
  async function connected() {
    reset();
    const a = await server.phone('101');
    const b = await server.phone('102');
    await b.register();
    const ma = await server.media();
    const mb = await server.media();
    b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
    const outgoing = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    outgoing.ack2xx(ok);
    ma.takeAnswer(ok.body.toString('utf8'));
    await b.waitRequest('ACK');
    return { a, b, ma, mb, outgoing, ok };
  }

  it("gets Sotto's offer for that leg in the 200 (unchanged: the same version again) and the answer from the ACK; the other phone is not disturbed", async () => {
    const { a, b, ma, mb, outgoing, ok } = await connected();
    const offers: string[] = [];
    const answerIt = (offer: string) => (offers.push(offer), ma.answer(offer, { codecs: ['PCMU'] }));
    const first = await outgoing.reInvite('', answerIt);
    expect(first.status).toBe(200);
    const answered = ok.body.toString('utf8');
    // The same session and port toward the caller, now offering both laws (no telephone-event: the callee has none).
    expect(mLine(offers[0]!)).toBe('RTP/AVP 0 8');
    expect(offers[0]).toMatch(/^a=sendrecv$/m);
    expect(port(offers[0]!)).toBe(port(answered));
    const [, id, version] = /^o=sotto (\d+) (\d+)/.exec(origin(answered)!)!;
    expect(origin(offers[0]!)).toBe(`o=sotto ${id} ${Number(version) + 1} IN IP4 127.0.0.1`);
    await logged('call.ack_answer');
    await talk(ma, mb);
    // Asked again with nothing changed: the very same description, the same version.
    await outgoing.reInvite('', answerIt);
    expect(offers[1]).toBe(offers[0]);
    await logged('call.ack_answer', 2);
    await talk(ma, mb);
    outgoing.bye();
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> INVITE', '< 200', '> ACK', '> INVITE', '< 200', '> ACK', '> BYE', '< 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
  });

  it('from the callee while the caller holds, offers only what the held call allows: sendonly toward the callee', async () => {
    const { a, b, ma, mb, outgoing } = await connected();
    expect((await outgoing.reInvite(ma.offer({ codecs: ['PCMU'], direction: 'sendonly' }))).status).toBe(200);
    await b.waitFor(() => b.flow.filter((f) => f === '< ACK').length === 2);
    let offer = '';
    const final = await b.reInviteIncoming('', 2, (o) => ((offer = o), mb.answer(o, { codecs: ['PCMU'] })));
    expect(final.status).toBe(200);
    expect(mLine(offer)).toBe('RTP/AVP 0 8');
    // The relay can send the callee what the caller still sends, and has nobody to pass the callee's audio to.
    expect(offer).toMatch(/^a=sendonly$/m);
    expect(mb.negotiated!.direction).toBe('recvonly');
    outgoing.bye();
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> INVITE', '< 200', '> ACK', '> BYE', '< 200']);
  });

  it('hangs up both phones when the ACK to that 200 brings no answer', async () => {
    const { a, b, outgoing } = await connected();
    expect((await outgoing.reInvite('', () => '')).status).toBe(200);
    await a.waitRequest('BYE');
    await b.waitRequest('BYE');
    expect(a.received.filter(isBye)).toHaveLength(1);
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> INVITE', '< 200', '> ACK', '< BYE', '> 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
    expect(server.b2bua.activeCalls).toBe(0);
  });
});
