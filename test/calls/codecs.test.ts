// G.711 mu-law and A-law between extensions (README: "with transcoding
// between them"), through the B2BUA over real loopback UDP, on both of the
// relay's data planes. The callee is offered the caller's law first and
// the other one after it; a callee that takes only the other law gets it,
// and each phone hears the other's tone at its pitch, decoded with its own
// law. Also the SDP Sotto sends each phone: the same answer keeps its o=
// version, and a legacy hold (c=0.0.0.0) reaches the other phone as hold.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectToneSegments, dominantFrequency, generateTone, type G711Codec } from '../../src/media/index.ts';
import { MediaRelay } from '../../src/media/relay/index.ts';
import type { SipResponse } from '../../src/sip/message/index.ts';
import { sendPaced, type FakePhone } from '../media/fake-phone.ts';
import { CallServer } from './call-server.ts';

let server: CallServer;
let jsRelay: MediaRelay;
/** The B2BUA's call ids, from its log (ids only). */
const started: string[] = [];

beforeAll(async () => {
  // 'native': the plain calls' plane must be the C one here, or the test says nothing about it.
  server = await CallServer.start({ min: 49300, max: 49399 }, { dataPlane: 'native' });
  jsRelay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 49400, max: 49449 }, workers: 1, dataPlane: 'js' });
});

afterAll(async () => {
  await server?.close();
  await jsRelay?.close();
});

const planes = { native: () => server.relay, js: () => jsRelay } as const;

function useRelay(relay: MediaRelay): void {
  started.length = 0;
  server.reset({ relay, logger: { info: (fields) => void (fields.event === 'call.started' && started.push(String(fields.callId))) } });
}

const CALLER_SETUP = ['> INVITE', '< 407', '> ACK', '> INVITE'];

/** 101 (speaking `callerCodecs`) calls 102, whose phone speaks only `calleeCodecs` (in its order of preference). */
async function call(callerCodecs: G711Codec[], calleeCodecs: G711Codec[]) {
  const a = await server.phone('101');
  const b = await server.phone('102');
  expect((await b.register()).status).toBe(200);
  const ma = await server.media();
  const mb = await server.media();
  const outgoing = await a.call('102', ma.offer({ codecs: callerCodecs, telephoneEventPayloadType: 101 }));
  const invite = await b.waitRequest('INVITE');
  const offerToB = invite.body.toString('utf8');
  // The phone rings (180), then answers with a law of its own; an offer without one would be refused here.
  b.reply(invite, 200, mb.answer(offerToB, { codecs: calleeCodecs }));
  const ok = await a.waitResponse('INVITE', 200, 1);
  outgoing.ack2xx(ok);
  ma.takeAnswer(ok.body.toString('utf8'));
  await b.waitRequest('ACK');
  return { a, b, ma, mb, outgoing, ok, offerToB };
}

const tone = (hz: number, ms: number) => generateTone([hz], ms, { amplitude: 8000 });

/** What `to` heard, decoded with `law`, is `hz` for `ms`. */
function expectTone(to: FakePhone, law: 'pcmu' | 'pcma', hz: number, ms: number): void {
  const pcm = to.decodedAudio(law);
  expect(Math.abs(dominantFrequency(pcm) - hz)).toBeLessThan(15);
  const segments = detectToneSegments(pcm, { frequencyHz: hz });
  expect(segments).toHaveLength(1);
  expect(Math.abs(segments[0]!.durationMs - ms)).toBeLessThanOrEqual(40);
}

/** Each phone sends a tone of its own; each hears the other's. */
async function talk(ma: FakePhone, mb: FakePhone, laws: { a: 'pcmu' | 'pcma'; b: 'pcmu' | 'pcma' }): Promise<void> {
  await sendPaced(ma, ma.packets(tone(1000, 600)));
  await sendPaced(mb, mb.packets(tone(600, 400)));
  await mb.until(() => mb.received.length >= 30);
  await ma.until(() => ma.received.length >= 20);
  expectTone(mb, laws.b, 1000, 600);
  expectTone(ma, laws.a, 600, 400);
}

const mLine = (sdp: string) => /^m=audio \d+ (.*)$/m.exec(sdp)?.[1];
const origin = (m: SipResponse) => /^o=.*$/m.exec(m.body.toString('utf8'))?.[0];

describe('mu-law and A-law phones talking through Sotto', { timeout: 30_000 }, () => {
  for (const plane of ['native', 'js'] as const) {
    it(`a mu-law-only caller reaches an A-law-only callee: offered both laws, the relay transcodes each way (${plane} plane)`, async () => {
      const relay = planes[plane]();
      useRelay(relay);
      const { a, b, ma, mb, outgoing, ok, offerToB } = await call(['PCMU'], ['PCMA']);
      // The callee is offered the caller's law first, then the one the relay can transcode to.
      expect(mLine(offerToB)).toBe('RTP/AVP 0 8 101');
      // The caller keeps its own law.
      expect(mLine(ok.body.toString('utf8'))).toBe('RTP/AVP 0 101');
      expect(mb.negotiated!.codec).toBe('PCMA');
      await talk(ma, mb, { a: 'pcmu', b: 'pcma' });
      expect(new Set(mb.received.map((r) => r.packet.payloadType))).toEqual(new Set([8]));
      expect(new Set(ma.received.map((r) => r.packet.payloadType))).toEqual(new Set([0]));
      // Transcoding is the workers' job: a native call is handed to them.
      expect(relay.planeOf(started[0]!)).toBe('js');
      outgoing.bye();
      await b.waitRequest('BYE');
      expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> BYE', '< 200']);
      expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
    });
  }

  it("offers an A-law caller's law first, so a callee with both laws takes it and nothing is transcoded (native plane)", async () => {
    useRelay(server.relay);
    const { b, ma, mb, outgoing, ok, offerToB } = await call(['PCMA'], ['PCMA', 'PCMU']);
    expect(mLine(offerToB)).toBe('RTP/AVP 8 0 101');
    expect(mLine(ok.body.toString('utf8'))).toBe('RTP/AVP 8 101');
    await talk(ma, mb, { a: 'pcma', b: 'pcma' });
    expect(server.relay.planeOf(started[0]!)).toBe('native');
    outgoing.bye();
    await b.waitRequest('BYE');
  });

  it('a re-INVITE from the A-law callee (hold, then resume) offers the mu-law caller both laws too, and the call goes on transcoded', async () => {
    useRelay(server.relay);
    const { a, b, ma, mb, outgoing } = await call(['PCMU'], ['PCMA']);
    a.incoming = { kind: 'answer', sdp: (offer) => ma.answer(offer, { codecs: ['PCMU'] }) };
    expect((await b.reInviteIncoming(mb.offer({ codecs: ['PCMA'], telephoneEventPayloadType: 101, direction: 'sendonly' }), 1)).status).toBe(200);
    const resumed = await b.reInviteIncoming(mb.offer({ codecs: ['PCMA'], telephoneEventPayloadType: 101 }), 2);
    expect(resumed.status).toBe(200);
    mb.takeAnswer(resumed.body.toString('utf8'));
    const reOffers = a.received.filter((m) => m.kind === 'request' && m.method === 'INVITE');
    expect(reOffers.map((m) => mLine(m.body.toString('utf8')))).toEqual(['RTP/AVP 8 0 101', 'RTP/AVP 8 0 101']);
    await talk(ma, mb, { a: 'pcmu', b: 'pcma' });
    outgoing.bye();
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '< INVITE', '> 200', '< ACK', '< INVITE', '> 200', '< ACK', '> BYE', '< 200']);
  });
});

describe("the SDP Sotto sends each phone", { timeout: 30_000 }, () => {
  it('sends the same answer in the 183 and the 200 under the same o= version (RFC 3264 8)', async () => {
    useRelay(server.relay);
    const a = await server.phone('101');
    const b = await server.phone('102');
    await b.register();
    const ma = await server.media();
    const mb = await server.media();
    let answer = '';
    b.incoming = { kind: 'early', sdp: (offer) => (answer = mb.answer(offer, { codecs: ['PCMU'] })) };
    const outgoing = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const early = await a.waitResponse('INVITE', 183, 1);
    b.answerIncoming(answer);
    const ok = await a.waitResponse('INVITE', 200, 1);
    outgoing.ack2xx(ok);
    await b.waitRequest('ACK');
    expect(origin(early)).toMatch(/^o=sotto \d+ \d+ IN IP4 127\.0\.0\.1$/);
    expect(origin(ok)).toBe(origin(early));
    expect(ok.body.toString('utf8')).toBe(early.body.toString('utf8'));
    // A changed description (hold) to the same phone: the next version, same session id.
    b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
    const held = await outgoing.reInvite(ma.offer({ codecs: ['PCMU'], direction: 'sendonly' }));
    const [, id, version] = /^o=sotto (\d+) (\d+)/.exec(origin(ok)!)!;
    expect(origin(held)).toBe(`o=sotto ${id} ${Number(version) + 1} IN IP4 127.0.0.1`);
    outgoing.bye();
    await b.waitRequest('BYE');
  });

  it('passes a legacy hold (c=0.0.0.0) to the other phone as sendonly from the holder, and answers the holder recvonly', async () => {
    useRelay(server.relay);
    const a = await server.phone('101');
    const b = await server.phone('102');
    await b.register();
    const ma = await server.media();
    const mb = await server.media();
    b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
    const outgoing = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    outgoing.ack2xx(ok);
    await b.waitRequest('ACK');
    // RFC 2543 hold: "do not send to me", direction left at sendrecv.
    const legacyHold = ma.offer({ codecs: ['PCMU'] }).replace(/^c=IN IP4 127\.0\.0\.1$/m, 'c=IN IP4 0.0.0.0');
    expect(legacyHold).toMatch(/^c=IN IP4 0\.0\.0\.0$/m);
    const final = await outgoing.reInvite(legacyHold);
    await b.waitFor((m) => m.kind === 'request' && m.method === 'ACK' && b.flow.filter((f) => f === '< ACK').length === 2);
    const reOffer = b.received.filter((m) => m.kind === 'request' && m.method === 'INVITE')[1]!.body.toString('utf8');
    expect(reOffer).toMatch(/^a=sendonly$/m);
    expect(final.status).toBe(200);
    expect(final.body.toString('utf8')).toMatch(/^a=recvonly$/m);
    outgoing.bye();
    await b.waitRequest('BYE');
  });
});
