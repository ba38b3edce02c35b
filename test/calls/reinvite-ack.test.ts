// RFC 3261 13.3.1.4: the UAS resends the 2xx to an INVITE until the ACK
// arrives. The ACK of a 2xx carries a new branch (RFC 3261 17.1.1.3), so it
// reaches the B2BUA through the dialog, not the INVITE's transaction. Seen
// with baresip on hold and resume: Sotto kept resending the 200 OK to each
// re-INVITE for 32 s although every copy was ACKed, and went on after the
// call had ended (BYE answered). The call now stops a re-INVITE's 2xx
// retransmissions on the ACK its dialog brings (by CSeq number), from
// either phone, and when it ends.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getCSeq, type SipMessage, type SipRequest } from '../../src/sip/message/index.ts';
import type { CallPhone } from './call-phone.ts';
import { CallServer } from './call-server.ts';

const T1_MS = 20;

let server: CallServer;
beforeAll(async () => {
  server = await CallServer.start({ min: 47980, max: 47999 });
});
afterAll(async () => {
  await server?.close();
});

const okTo = (seq: number) => (m: SipMessage) => m.kind === 'response' && m.status === 200 && getCSeq(m)?.method === 'INVITE' && getCSeq(m)?.seq === seq;

/** 101 calls 102, 102 answers, both 2xx ACKed; T1 short so 64*T1 passes quickly. */
async function connectedCall() {
  server.reset({ t1Ms: T1_MS });
  const a = await server.phone('101');
  const b = await server.phone('102');
  expect((await b.register()).status).toBe(200);
  const ma = await server.media();
  const mb = await server.media();
  b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
  const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
  call.ack2xx(await a.waitResponse('INVITE', 200, 1));
  await b.waitRequest('ACK');
  return { a, b, ma, mb, call };
}

/**
 * Whether the 2xx is still resent once the ACK has had time to arrive. A
 * copy or two before it is the RFC's own behaviour on a slow box (T1 is
 * 20 ms here), so copies are counted from 300 ms after the ACK was sent to
 * 64*T1 later, by when an unstopped retransmitter (every T2 = 160 ms at the
 * most) has resent several.
 */
async function resentAfterAck(phone: CallPhone, seq: number): Promise<boolean> {
  const copies = (): number => phone.heard.filter(okTo(seq)).length;
  await new Promise((r) => setTimeout(r, 300));
  const before = copies();
  await new Promise((r) => setTimeout(r, 64 * T1_MS));
  return copies() > before;
}

/** Sotto's re-INVITE as the other phone hears it (CSeq past the call's INVITE). */
const isReInvite = (m: SipMessage): m is SipRequest => m.kind === 'request' && m.method === 'INVITE' && (getCSeq(m)?.seq ?? 0) > 1;

describe('the 2xx to a re-INVITE', { timeout: 30_000 }, () => {
  it('is not resent once the phone ACKed it (hold from the caller)', async () => {
    const { a, ma, call } = await connectedCall();

    const hold = await call.reInvite(ma.offer({ codecs: ['PCMU'], direction: 'sendonly' }));
    expect(hold.status).toBe(200);
    const holdSeq = getCSeq(hold)!.seq;
    // `heard` keeps retransmissions.
    const resent = await resentAfterAck(a, holdSeq);
    call.bye();
    await a.waitResponse('BYE');
    expect(resent).toBe(false);
  });

  it('is not resent once the phone ACKed it (hold from the callee)', async () => {
    const { a, b, ma, mb, call } = await connectedCall();
    a.incoming = { kind: 'answer', sdp: (offer) => ma.answer(offer, { codecs: ['PCMU'] }) };

    const hold = await b.reInviteIncoming(mb.offer({ codecs: ['PCMU'], direction: 'sendonly' }), 2);
    expect(hold.status).toBe(200);
    const resent = await resentAfterAck(b, 2);
    call.bye();
    await a.waitResponse('BYE');
    expect(resent).toBe(false);
  });

  it('is ACKed again each time the other phone resends it (RFC 3261 13.2.2.4)', async () => {
    const { a, b, ma, mb, call } = await connectedCall();
    const hold = await call.reInvite(ma.offer({ codecs: ['PCMU'], direction: 'sendonly' }));
    expect(hold.status).toBe(200);
    const reInvite = b.heard.find(isReInvite)!;
    const seq = getCSeq(reInvite)!.seq;
    const acks = (m: SipMessage) => m.kind === 'request' && m.method === 'ACK' && getCSeq(m)?.seq === seq;
    await b.waitHeard(acks, 1, 5_000);
    // Our ACK was lost, say: the phone resends its 200 (same bytes as far as Sotto is concerned).
    b.reply(reInvite, 200, mb.answer(reInvite.body.toString('utf8'), { codecs: ['PCMU'] }));
    await b.waitHeard(acks, 2, 5_000);
    call.bye();
    await a.waitResponse('BYE');
  });

  it('is not sent for a re-INVITE still pending when the call ends: 487 (RFC 3261 15.1.2)', async () => {
    const { a, b, ma, call } = await connectedCall();
    b.incoming = { kind: 'ring' };
    const pending = call.reInvite(ma.offer({ codecs: ['PCMU'], direction: 'sendonly' }));
    await b.waitHeard(isReInvite, 1, 5_000);
    // The phone never answers it; the caller hangs up meanwhile.
    call.bye();
    await a.waitResponse('BYE');
    expect((await pending).status).toBe(487);
  });
});
