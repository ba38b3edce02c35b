// A call put on hold must not be hung up by the media inactivity check.
// Found by an outside sweep: phones that held a call (re-INVITE with
// a=inactive or a=sendonly) got a BYE 60 s later, logged
// call.media_inactive, although a held stream sends no RTP by design (RFC
// 3264 §5.1, §8.4). Through the B2BUA over loopback UDP, the relay's clock
// held so an hour passes in one step: no BYE after 60 s on hold; the call
// still ends at the 1 h hold bound; resume restores the 60 s rule.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaDirection } from '../../src/media/index.ts';
import { CallServer } from './call-server.ts';

const MINUTE = 60_000;
const HOUR = 3_600_000;

let server: CallServer;
const lines: Array<Record<string, unknown>> = [];

beforeAll(async () => {
  server = await CallServer.start({ min: 49080, max: 49099 }, { relay: { clock: 'held' } });
});
afterAll(async () => {
  await server?.close();
});

const CONNECTED = ['> INVITE', '< 407', '> ACK', '> INVITE', '< 180', '< 200', '> ACK'];
const inactive = () => lines.filter((l) => l.event === 'call.media_inactive').map((l) => l.idleMs);

/** 101 calls 102, 102 answers; both ACKed. No RTP flows: the relay's clock says when. */
async function connectedCall() {
  lines.length = 0;
  server.reset({ logger: { info: (fields) => void lines.push(fields) } });
  const a = await server.phone('101');
  const b = await server.phone('102');
  expect((await b.register()).status).toBe(200);
  const ma = await server.media();
  const mb = await server.media();
  b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
  const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
  call.ack2xx(await a.waitResponse('INVITE', 200, 1));
  await b.waitRequest('ACK');
  /** A re-INVITE from the caller, answered by the callee through the relay. */
  const reInvite = async (direction: MediaDirection) => {
    const final = await call.reInvite(ma.offer({ codecs: ['PCMU'], direction }));
    expect(final.status).toBe(200);
    return final;
  };
  return { a, b, reInvite };
}

describe('a call on hold and the media inactivity check', { timeout: 30_000 }, () => {
  it('sends no BYE after 60 s on hold (a=inactive); resumed, the call is ended 60 s after the resume', async () => {
    const { a, b, reInvite } = await connectedCall();
    await reInvite('inactive');
    // A held stream: no RTP, no RTCP from either phone.
    await server.relay.advanceClock(MINUTE + 1_000);
    expect(inactive()).toEqual([]);
    // Still up: the resume re-INVITE is answered 200 (a call hung up would get 481), sendrecv both ways.
    const resumed = await reInvite('sendrecv');
    expect(resumed.body.toString('utf8')).toContain('a=sendrecv');
    expect(a.flow).toEqual([...CONNECTED, '> INVITE', '< 200', '> ACK', '> INVITE', '< 200', '> ACK']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< INVITE', '> 200', '< ACK', '< INVITE', '> 200', '< ACK']);
    await server.relay.advanceClock(MINUTE - 1);
    expect(inactive()).toEqual([]);
    // Resumed and silent: the 60 s rule again.
    await server.relay.advanceClock(1);
    await a.waitRequest('BYE');
    await b.waitRequest('BYE');
    expect(inactive()).toEqual([MINUTE]);
    expect(a.flow.slice(-2)).toEqual(['< BYE', '> 200']);
    expect(b.flow.slice(-2)).toEqual(['< BYE', '> 200']);
  });

  it('ends a call left on hold (a=sendonly) at the 1 h hold bound, not before', async () => {
    const { a, b, reInvite } = await connectedCall();
    await reInvite('sendonly');
    await server.relay.advanceClock(HOUR - 1);
    expect(inactive()).toEqual([]);
    expect(a.flow).toEqual([...CONNECTED, '> INVITE', '< 200', '> ACK']);
    await server.relay.advanceClock(1);
    await a.waitRequest('BYE');
    await b.waitRequest('BYE');
    expect(inactive()).toEqual([HOUR]);
    expect(server.b2bua.activeCalls).toBe(0);
  });
});
