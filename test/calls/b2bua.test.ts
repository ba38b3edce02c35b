// Extension-to-extension calls through the B2BUA over real loopback UDP:
// scripted phones register, call and answer; each test asserts the exact
// SIP flow each phone saw, and the answered call carries RTP through
// Sotto's relay port (never phone to phone).
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { AddressBackoff, systemClock } from '../../src/auth/index.ts';
import { parseSdp, serializeRtpPacket } from '../../src/media/index.ts';
import { MediaRelay } from '../../src/media/relay/index.ts';
import { getHeader, getTo, getTopVia, type SipMessage, type SipResponse } from '../../src/sip/message/index.ts';
import { sendPaced } from '../media/fake-phone.ts';
import type { PhoneTransport } from './call-phone.ts';
import { CallServer } from './call-server.ts';

let server: CallServer;
let b2bua: CallServer['b2bua'];
let unavailable: CallServer['unavailable'];

function newB2bua(ringTimeoutMs = 20_000, on?: MediaRelay, backoff?: AddressBackoff) {
  return server.use({ ringTimeoutMs, ...(on ? { relay: on } : {}), ...(backoff ? { backoff } : {}) });
}

beforeAll(async () => {
  server = await CallServer.start({ min: 43000, max: 43199 });
  unavailable = server.unavailable;
});

afterAll(async () => {
  await server?.close();
});

beforeEach(() => {
  b2bua = server.reset();
});

const phone = (username: string, transport?: PhoneTransport) => server.phone(username, transport);
const media = () => server.media();
/** 101 to call; 102 with two phones registered (a desk phone and a softphone), so a call to 102 forks. */
const callerAndTwoPhonesOf102 = async () => {
  const a = await phone('101');
  const desk = await phone('102');
  const soft = await phone('102');
  await desk.register();
  await soft.register();
  return { a, desk, soft };
};

const CALLER_SETUP = ['> INVITE', '< 407', '> ACK', '> INVITE'];

/** 101 calls 102, 102 answers; both ACKed. */
async function answeredCall(callee: PhoneTransport = 'UDP', caller: PhoneTransport = 'UDP') {
  const a = await phone('101', caller);
  const b = await phone('102', callee);
  expect((await b.register()).status).toBe(200);
  const ma = await media();
  const mb = await media();
  // A phone on TLS is offered SDES-SRTP and takes it.
  b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'], srtp: /^a=crypto:/m.test(offer) }) };
  const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
  const ok = await a.waitResponse('INVITE', 200, 1);
  expect(ok.status).toBe(200);
  call.ack2xx(ok);
  ma.takeAnswer(ok.body.toString('utf8'));
  await b.waitRequest('ACK');
  return { a, b, ma, mb, call, ok };
}

function sdpPort(sdp: string): number {
  const parsed = parseSdp(sdp);
  if (!parsed.ok) throw new Error('bad SDP');
  return parsed.value.media[0]!.port;
}

describe('B2BUA: extension-to-extension calls', { timeout: 30_000 }, () => {
  it('connects an answered call, relays RTP through Sotto, and ends both legs on the caller\'s BYE', async () => {
    const { a, b, ma, mb, call, ok } = await answeredCall();

    // Each phone was told to send media to Sotto, not to the other phone.
    const relayPortForB = sdpPort(b.lastInvite!.body.toString('utf8'));
    const relayPortForA = sdpPort(ok.body.toString('utf8'));
    expect([relayPortForA, relayPortForB]).not.toContain(mb.port);
    expect([relayPortForA, relayPortForB]).not.toContain(ma.port);

    const packets = ma.packets(new Int16Array(160 * 10).fill(1000));
    await sendPaced(ma, packets);
    await mb.until(() => mb.received.length >= 5);
    expect(mb.received.every((r) => r.from.port === relayPortForB && r.from.port !== ma.port)).toBe(true);

    call.bye();
    await a.waitResponse('BYE');
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> BYE', '< 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
    expect(b2bua.activeCalls).toBe(0);
  });

  for (const transport of ['TCP', 'TLS'] as const) {
    it(`calls a phone registered over ${transport} back over the connection it registered on`, async () => {
      const { a, b, ma, mb, call } = await answeredCall(transport);
      // The phone listens nowhere: the INVITE can only have come back over its own connection.
      expect(getHeader(b.lastInvite!.headers, 'via')).toMatch(new RegExp(`^SIP/2\\.0/${transport} `));
      expect(getHeader(b.lastInvite!.headers, 'contact')).toContain(`;transport=${transport.toLowerCase()}`);
      // SRTP keys only over TLS (RFC 4568 8.3).
      expect(/^a=crypto:/m.test(b.lastInvite!.body.toString('utf8'))).toBe(transport === 'TLS');
      await sendPaced(ma, ma.packets(new Int16Array(160 * 10).fill(1000)));
      await mb.until(() => mb.received.length >= 5);
      // The callee hangs up over its connection; the caller (UDP) hears the BYE.
      b.hangUpIncoming();
      await b.waitResponse('BYE');
      await a.waitRequest('BYE');
      expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '< BYE', '> 200']);
      expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '> BYE', '< 200']);
      expect(call.callId).toBeTruthy();
      expect(b2bua.activeCalls).toBe(0);
    });
  }

  it('a caller over TLS reaches a callee over TCP, and hangs up over TLS', async () => {
    const { a, b, call } = await answeredCall('TCP', 'TLS');
    call.bye();
    await a.waitResponse('BYE');
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> BYE', '< 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
  });

  it("passes the callee's early media (183 with SDP) through the relay before the answer", async () => {
    const a = await phone('101');
    const b = await phone('102');
    await b.register();
    const ma = await media();
    const mb = await media();
    let answer = '';
    b.incoming = { kind: 'early', sdp: (offer) => (answer = mb.answer(offer, { codecs: ['PCMU'] })) };
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const early = await a.waitResponse('INVITE', 183, 1);
    expect(early.status).toBe(183);
    ma.takeAnswer(early.body.toString('utf8'));
    const relayPortForA = sdpPort(early.body.toString('utf8'));
    expect(relayPortForA).not.toBe(mb.port);
    // The callee plays an announcement before answering: the caller hears it, from Sotto's port.
    await sendPaced(mb, mb.packets(new Int16Array(160 * 10).fill(2000)));
    await ma.until(() => ma.received.length >= 5);
    expect(ma.received.every((r) => r.from.port === relayPortForA)).toBe(true);
    b.answerIncoming(answer);
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    await b.waitRequest('ACK');
    // The answer names the same relay port the early media came from.
    expect(sdpPort(ok.body.toString('utf8'))).toBe(relayPortForA);
    call.bye();
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 183', '< 200', '> ACK', '> BYE', '< 200']);
    expect(b.flow).toEqual(['< INVITE', '> 183', '> 200', '< ACK', '< BYE', '> 200']);
  });

  it('neither forwards nor latches onto RTP from a third address in the middle of a call', async () => {
    const { a, b, ma, mb, call, ok } = await answeredCall();
    const relayPortForA = sdpPort(ok.body.toString('utf8'));
    const relayPortForB = sdpPort(b.lastInvite!.body.toString('utf8'));
    // Both phones talk, so both legs have latched to them.
    await sendPaced(ma, ma.packets(new Int16Array(160 * 5).fill(1000)));
    await sendPaced(mb, mb.packets(new Int16Array(160 * 5).fill(1000)));
    await mb.until(() => mb.received.length >= 3);
    await ma.until(() => ma.received.length >= 3);

    // A stranger sends well-formed RTP to both relay ports, copying the caller's SSRC and continuing its sequence.
    const stranger = await media();
    const last = ma.received.length;
    const forged = ma.packets(new Int16Array(160 * 20).fill(-7777)).map((p) => serializeRtpPacket(p));
    const strangerHeard: number[] = [];
    stranger.socket.on('message', (m) => strangerHeard.push(m.length));
    for (const bytes of forged) {
      stranger.socket.send(bytes, relayPortForA, '127.0.0.1');
      stranger.socket.send(bytes, relayPortForB, '127.0.0.1');
    }
    // The real caller keeps talking, and its audio still reaches the callee.
    const before = mb.received.length;
    await sendPaced(ma, ma.packets(new Int16Array(160 * 10).fill(1000)));
    await mb.until(() => mb.received.length >= before + 5);
    await sendPaced(mb, mb.packets(new Int16Array(160 * 10).fill(1000)));
    await ma.until(() => ma.received.length >= last + 5);
    // Nothing of the stranger's reached either phone, and nothing was sent to the stranger.
    const heard = [...mb.decodedAudio(), ...ma.decodedAudio()];
    expect(heard.some((v) => v < -5000)).toBe(false);
    expect(mb.received.every((r) => r.from.port === relayPortForB)).toBe(true);
    expect(strangerHeard).toEqual([]);
    call.bye();
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> BYE', '< 200']);
  });

  it('ends both legs when the callee hangs up', async () => {
    const { a, b } = await answeredCall();
    b.hangUpIncoming();
    await b.waitResponse('BYE');
    await a.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '< BYE', '> 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '> BYE', '< 200']);
    expect(b2bua.activeCalls).toBe(0);
  });

  it('passes a hold re-INVITE from the caller through the relay to the callee', async () => {
    const { a, b, ma, mb, call } = await answeredCall();
    const final = await call.reInvite(ma.offer({ codecs: ['PCMU'], direction: 'sendonly' }));
    await b.waitFor((m) => m.kind === 'request' && m.method === 'ACK' && b.flow.filter((f) => f === '< ACK').length === 2);
    expect(final.status).toBe(200);
    const reOffer = b.received.filter((m) => m.kind === 'request' && m.method === 'INVITE')[1]!;
    expect(reOffer.body.toString('utf8')).toContain('a=sendonly');
    expect(final.body.toString('utf8')).toContain('a=recvonly');
    // The relay keeps its ports across the re-offer: the callee still hears Sotto, not the caller.
    expect(sdpPort(reOffer.body.toString('utf8'))).toBe(sdpPort(b.lastInvite!.body.toString('utf8')));
    expect(mb.port).not.toBe(ma.port);
    call.bye();
    await b.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> INVITE', '< 200', '> ACK', '> BYE', '< 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< INVITE', '> 200', '< ACK', '< BYE', '> 200']);
  });

  it('rings every registered phone of the callee, connects the first to answer and cancels the others', async () => {
    const { a, desk, soft } = await callerAndTwoPhonesOf102();
    const ma = await media();
    const mb = await media();
    soft.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    await soft.waitRequest('ACK');
    await desk.waitRequest('ACK');
    expect(ok.status).toBe(200);
    expect(desk.flow).toEqual(['< INVITE', '> 180', '< CANCEL', '> 200', '> 487', '< ACK']);
    expect(soft.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK']);
    // Both branches are one B-leg dialog-to-be: same Call-ID and From tag, one per contact.
    const bCallIds = new Set([desk, soft].map((p) => getHeader(p.lastInvite!.headers, 'call-id')));
    expect(bCallIds.size).toBe(1);
    expect(bCallIds.has(call.callId)).toBe(false);
    call.bye();
    await soft.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> BYE', '< 200']);
  });

  it('ACKs and hangs up a second phone that answers after the first one won (RFC 3261 13.2.2.4)', async () => {
    const { a, desk, soft } = await callerAndTwoPhonesOf102();
    const ma = await media();
    const md = await media();
    const ms = await media();
    desk.incoming = { kind: 'answer', sdp: (offer) => md.answer(offer, { codecs: ['PCMU'] }) };
    soft.incoming = { kind: 'answer', sdp: (offer) => ms.answer(offer, { codecs: ['PCMU'] }) };
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    const loser = await Promise.any([desk.waitRequest('BYE').then(() => desk), soft.waitRequest('BYE').then(() => soft)]);
    const winner = loser === desk ? soft : desk;
    // Each 2xx is ACKed; the one that came second is then hung up, the caller's call stays with the first.
    expect(loser.flow.filter((l) => l.startsWith('<')).slice(-2)).toEqual(['< ACK', '< BYE']);
    expect(winner.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK']);
    call.bye();
    await winner.waitRequest('BYE');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> BYE', '< 200']);
  });

  it('ACKs each dialog one branch answers by its own To tag: a retransmitted 2xx again, a second dialog hung up (RFC 3261 13.2.2.4)', async () => {
    const a = await phone('101');
    const b = await phone('102');
    await b.register();
    const ma = await media();
    const mb = await media();
    // b rings; the 200s below come over the one branch with two To tags, as
    // from a forking proxy or two phones behind one contact.
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const invite = await b.waitRequest('INVITE');
    await a.waitResponse('INVITE', 180, 1);
    const sdp = mb.answer(invite.body.toString('utf8'), { codecs: ['PCMU'] });
    const isAck = (m: SipMessage) => m.kind === 'request' && m.method === 'ACK';
    const isBye = (m: SipMessage) => m.kind === 'request' && m.method === 'BYE';
    b.reply(invite, 200, sdp, 'x');
    await b.waitHeard(isAck, 1);
    b.reply(invite, 200, sdp, 'x'); // a retransmission: the same bytes
    await b.waitHeard(isAck, 2);
    b.reply(invite, 200, sdp, 'y');
    await b.waitHeard(isBye, 1);
    // The caller's call is the first dialog, and ends on it.
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    call.bye();
    await a.waitResponse('BYE');
    await b.waitHeard(isBye, 2);
    // Every ACK as sent (a 2xx retransmission gets one again); each BYE once (a slow answer may have it retransmitted).
    const acks = b.heard.filter(isAck).map((m) => getTo(m)?.tag);
    const byes = [...new Map(b.heard.filter(isBye).map((m) => [getTopVia(m)?.branch, getTo(m)?.tag])).values()];
    expect(acks).toEqual(['x', 'x', 'y']);
    expect(byes).toEqual(['y', 'x']);
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '> BYE', '< 200']);
  });

  it('cancels the ringing phone when the caller hangs up first (487 to the caller)', async () => {
    const a = await phone('101');
    const b = await phone('102');
    await b.register();
    const ma = await media();
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    await a.waitResponse('INVITE', 180, 1);
    call.cancel();
    const final = (await a.waitResponse('INVITE', 300, 1)) as SipResponse;
    call.ackNon2xx(final);
    await b.waitRequest('ACK');
    expect(final.status).toBe(487);
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '> CANCEL', '< 200', '< 487', '> ACK']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '< CANCEL', '> 200', '> 487', '< ACK']);
    expect(b2bua.activeCalls).toBe(0);
  });

  it('hands a busy callee to onUnavailable (480 to the caller for now)', async () => {
    const a = await phone('101');
    const b = await phone('102');
    await b.register();
    b.incoming = { kind: 'busy' };
    const call = await a.call('102', (await media()).offer({ codecs: ['PCMU'] }));
    const final = await a.waitResponse('INVITE', 300, 1);
    call.ackNon2xx(final);
    await b.waitRequest('ACK');
    expect(final.status).toBe(480);
    expect(unavailable).toEqual(['busy']);
    expect(a.flow).toEqual([...CALLER_SETUP, '< 480', '> ACK']);
    expect(b.flow).toEqual(['< INVITE', '> 486', '< ACK']);
  });

  it('hands an unregistered callee to onUnavailable', async () => {
    const a = await phone('101');
    const call = await a.call('103', (await media()).offer({ codecs: ['PCMU'] }));
    const final = await a.waitResponse('INVITE', 300, 1);
    call.ackNon2xx(final);
    expect(final.status).toBe(480);
    expect(unavailable).toEqual(['unregistered']);
    expect(a.flow).toEqual([...CALLER_SETUP, '< 480', '> ACK']);
  });

  it('cancels the callee and hands the call to onUnavailable after the ring timeout', async () => {
    b2bua = newB2bua(300);
    const a = await phone('101');
    const b = await phone('102');
    await b.register();
    const call = await a.call('102', (await media()).offer({ codecs: ['PCMU'] }));
    const final = await a.waitResponse('INVITE', 300, 1);
    call.ackNon2xx(final);
    await b.waitRequest('ACK');
    expect(final.status).toBe(480);
    expect(unavailable).toEqual(['no-answer']);
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 480', '> ACK']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '< CANCEL', '> 200', '> 487', '< ACK']);
  });

  it('hangs up both phones when the media stops both ways', async () => {
    const quick = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 43200, max: 43299 }, workers: 1, inactivityTimeoutMs: 400 });
    try {
      b2bua = newB2bua(20_000, quick);
      const { a, b } = await answeredCall();
      await a.waitRequest('BYE');
      await b.waitRequest('BYE');
      expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '< 200', '> ACK', '< BYE', '> 200']);
      expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
      expect(b2bua.activeCalls).toBe(0);
    } finally {
      b2bua.close();
      await quick.close();
    }
  });

  it('refuses a caller with the wrong password with another 407', async () => {
    const a = await server.phone('101', 'UDP', 'wrong');
    await a.call('102', (await media()).offer({ codecs: ['PCMU'] }));
    const final = await a.waitResponse('INVITE', 300, 1);
    expect(final.status).toBe(407);
    expect(b2bua.activeCalls).toBe(0);
  });

  it('logs a burst of wrong-password INVITEs from one address once a second, with the count, not once each', async () => {
    const lines: Array<Record<string, unknown>> = [];
    // The B2BUA's clock, held still through the burst: the window is a second of it, not of the wall.
    let clock = Date.now();
    b2bua = server.use({ ringTimeoutMs: 20_000, now: () => clock, logger: { info: (fields) => void lines.push(fields) } });
    const offer = (await media()).offer({ codecs: ['PCMU'] });
    const attempt = async () => {
      // A new phone (port) each time: one source address, as a scanner behind one IP.
      const p = await server.phone('101', 'UDP', 'wrong');
      await p.call('102', offer);
      expect((await p.waitResponse('INVITE', 300, 1)).status).toBe(407);
    };
    for (let i = 0; i < 10; i++) await attempt();
    const refused = () => lines.filter((l) => l.event === 'call.auth_refused');
    // A line each before; now one for the burst.
    expect(refused()).toEqual([{ event: 'call.auth_refused', code: expect.any(String), status: 407, suppressedSinceLast: 0 }]);
    clock += 1_000;
    await attempt();
    // The next second's line carries the nine not written.
    expect(refused().map((l) => l.suppressedSinceLast)).toEqual([0, 9]);
    // The source address keys the window; it is not logged.
    expect(JSON.stringify(lines)).not.toContain('127.0.0.1');
  });

  it('refuses an address that keeps failing caller authentication with 403 and Retry-After', async () => {
    b2bua = newB2bua(20_000, undefined, new AddressBackoff({ clock: systemClock, freeFailures: 1, baseDelayMs: 60_000 }));
    const offer = (await media()).offer({ codecs: ['PCMU'] });
    let refusal: SipResponse | undefined;
    // Each attempt from a new phone on the same address: the throttle is per address.
    for (let attempt = 0; attempt < 4 && !refusal; attempt++) {
      const p = await server.phone('101', 'UDP', 'wrong');
      try {
        await p.call('102', offer);
        expect((await p.waitResponse('INVITE', 300, 1)).status).toBe(407);
      } catch {
        refusal = p.received.find((m): m is SipResponse => m.kind === 'response' && m.status === 403);
      }
    }
    expect(refusal?.status).toBe(403);
    expect(Number(getHeader(refusal!.headers, 'retry-after'))).toBeGreaterThan(0);
  });
});
