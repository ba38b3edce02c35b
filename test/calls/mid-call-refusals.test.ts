// What a phone hears back when Sotto cannot simply pass its request on, or
// passes back the other phone's refusal, over real loopback UDP through the
// B2BUA (mid-call.ts, b2bua.ts, call.ts):
//
// - The other phone refuses an INFO: the refusal comes back with what it
//   would take instead (Recv-Info on a 469, RFC 6086 4.2.2; Accept,
//   Accept-Encoding, Accept-Language on a 415, RFC 3261 21.4.13); its
//   challenge (401/407) comes back as 500, without the challenge.
// - The call ends while an INFO waits for the other phone: 487 to it
//   (RFC 3261 15.1.2), not silence until the phone's timer fires.
// - A BYE caused by a BYE or CANCEL with no hops left carries Sotto's own
//   70: a BYE in a dialog cannot loop, and a 483 on the way would leave the
//   other phone up.
// - In the caller's early dialog (the callee's phone rings): an offer
//   (INVITE, UPDATE with SDP) gets 500 with Retry-After; a PRACK 481 (RFC
//   3262 3: Sotto sends no reliable provisionals); a method Sotto does not
//   handle in a call (REFER, MESSAGE, NOTIFY) 501 with Allow, not an
//   invitation to retry. The call still rings.
// - While the callee's answer is passed on (the caller has no 200 yet), a
//   request from the callee, and an INFO in the caller's early dialog, get
//   500 with Retry-After: the dialog stays (RFC 5057), the call connects, and
//   the same request then goes through.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { MediaRelay } from '../../src/media/relay/index.ts';
import { SOTTO_ALLOW } from '../../src/pbx/uas-capabilities.ts';
import { getCSeq, getHeader, type SipMessage, type SipRequest, type SipResponse } from '../../src/sip/message/index.ts';
import type { CallPhone } from './call-phone.ts';
import { CallServer, type B2buaOverrides } from './call-server.ts';

let server: CallServer;
beforeAll(async () => {
  server = await CallServer.start({ min: 49900, max: 49959 });
});
afterAll(async () => {
  await server?.close();
});

async function phones(overrides: B2buaOverrides = {}) {
  server.reset(overrides);
  const a = await server.phone('101');
  const b = await server.phone('102');
  expect((await b.register()).status).toBe(200);
  const ma = await server.media();
  const mb = await server.media();
  b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
  return { a, b, ma, mb };
}

/** 101 calls 102, 102 answers, both 2xx ACKed. */
async function connectedCall() {
  const { a, b, ma, mb } = await phones();
  const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
  const ok = await a.waitResponse('INVITE', 200, 1);
  call.ack2xx(ok);
  await b.waitRequest('ACK');
  return { a, b, ma, mb, call };
}

const requestOf = (method: string, seq?: number) => (m: SipMessage) => m.kind === 'request' && m.method === method && (seq === undefined || getCSeq(m)?.seq === seq);
const header = (m: SipMessage, name: string) => getHeader(m.headers, name);
const tagOf = (value: string | undefined) => /;tag=([^;>\s]+)/.exec(value ?? '')?.[1];
/** A 500 that asks to try again later: Retry-After of 0-10 s (RFC 3261 20.33). */
const retryLater = (r: SipResponse) => [r.status, /^(10|[0-9])$/.test(header(r, 'retry-after') ?? '')];

/** The callee sends a request in the dialog of the INVITE it answered; `ownTag`: its To tag, as Sotto's ACK echoes it. */
function fromCallee(b: CallPhone, ownTag: string, method: string, seq: number, headers: string[], body = ''): void {
  const r = b.lastInvite!;
  const target = /<([^>]+)>/.exec(header(r, 'contact') ?? '')?.[1] ?? '';
  b.sendRaw(
    [
      `${method} ${target} SIP/2.0`,
      `${b.via};branch=z9hG4bK${method}${seq};rport`,
      'Max-Forwards: 70',
      `From: ${header(r, 'to')};tag=${ownTag}`,
      `To: ${header(r, 'from')}`,
      `Call-ID: ${header(r, 'call-id')}`,
      `CSeq: ${seq} ${method}`,
      ...(method === 'UPDATE' ? [`Contact: ${b.contact}`] : []),
      ...headers,
    ],
    body,
    method,
  );
}

describe("the other phone's refusal of an INFO, passed back", { timeout: 30_000 }, () => {
  it('469 with its Recv-Info, 415 with its Accept fields, a 401 or 407 as 500 without the challenge', async () => {
    const { a, b, call } = await connectedCall();
    b.infoStatus = undefined;
    const send = async (seq: number, status: number, headers: string[]): Promise<SipResponse> => {
      call.request('INFO', ['Info-Package: foo', 'Content-Type: application/foo'], 'x=1');
      const info = (await b.waitFor(requestOf('INFO', seq))) as SipRequest;
      b.reply(info, status, '', undefined, headers);
      return a.waitResponse('INFO', 200, call.cseq - 1);
    };
    const badPackage = await send(2, 469, ['Recv-Info: bar, baz']);
    expect([badPackage.status, badPackage.reason, header(badPackage, 'recv-info')]).toEqual([469, 'Bad Info Package', 'bar, baz']);

    const badType = await send(3, 415, ['Accept: application/bar', 'Accept-Encoding: identity', 'Accept-Language: en']);
    expect([badType.status, header(badType, 'accept'), header(badType, 'accept-encoding'), header(badType, 'accept-language')]).toEqual([415, 'application/bar', 'identity', 'en']);

    const challenged = await send(4, 401, ['WWW-Authenticate: Digest realm="phone-102", nonce="abc"']);
    expect([challenged.status, header(challenged, 'www-authenticate')]).toEqual([500, undefined]);
    const proxyChallenged = await send(5, 407, ['Proxy-Authenticate: Digest realm="phone-102", nonce="abc"']);
    expect([proxyChallenged.status, header(proxyChallenged, 'proxy-authenticate')]).toEqual([500, undefined]);
    call.bye();
    await b.waitRequest('BYE');
  });

  it('the caller hangs up while its INFO waits for the callee: 487 to the INFO, 200 to the BYE', async () => {
    const { a, b, call } = await connectedCall();
    b.infoStatus = undefined;
    call.request('INFO', ['Content-Type: application/dtmf'], '5');
    const info = (await b.waitRequest('INFO')) as SipRequest;
    const infoSeq = call.cseq;
    call.bye();
    expect((await a.waitResponse('BYE')).status).toBe(200);
    await b.waitRequest('BYE');
    const final = await a.waitResponse('INFO', 200, infoSeq - 1);
    expect([final.status, getCSeq(final)]).toEqual([487, { seq: infoSeq, method: 'INFO' }]);
    // The callee's late answer is for a transaction already answered.
    b.reply(info, 200);
  });
});

describe('a BYE caused by a BYE with no hops left (Max-Forwards 0)', { timeout: 30_000 }, () => {
  it('in the call: the callee gets its BYE with Max-Forwards 70, not 0 or 1', async () => {
    const { b, call } = await connectedCall();
    call.bye(['Max-Forwards: 0']);
    expect(header(await b.waitRequest('BYE'), 'max-forwards')).toBe('70');
  });
});

describe("requests in the caller's early dialog while the callee's phone rings", { timeout: 30_000 }, () => {
  it('an offer gets 500 with Retry-After, PRACK 481, REFER, MESSAGE and NOTIFY 501 with Allow; the call still rings', async () => {
    const { a, b, ma } = await phones();
    b.incoming = { kind: 'ring' };
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ringing = (await a.waitFor((m) => m.kind === 'response' && m.status === 180)) as SipResponse;
    await b.waitRequest('INVITE');
    call.useEarlyDialog(ringing);
    const send = async (method: string, headers: string[], body = ''): Promise<SipResponse> => {
      call.request(method, headers, body);
      return a.waitResponse(method, 200, call.cseq - 1);
    };
    const seen = (r: SipResponse) => [r.status, header(r, 'retry-after') !== undefined, header(r, 'allow')];

    const reInvite = await send('INVITE', [], ma.offer({ codecs: ['PCMU'] }));
    expect(retryLater(reInvite)).toEqual([500, true]);
    const update = await send('UPDATE', ['Content-Type: application/sdp'], ma.offer({ codecs: ['PCMU'] }));
    expect(retryLater(update)).toEqual([500, true]);
    expect(seen(await send('PRACK', ['RAck: 1 1 INVITE']))).toEqual([481, false, undefined]);
    for (const [method, headers] of [
      ['REFER', ['Refer-To: <sip:103@pbx.test>']],
      ['MESSAGE', ['Content-Type: text/plain']],
      ['NOTIFY', ['Event: refer', 'Subscription-State: active']],
    ] as const) {
      expect([method, ...seen(await send(method, [...headers], method === 'MESSAGE' ? 'hi' : ''))]).toEqual([method, 501, false, SOTTO_ALLOW.value]);
    }
    // None reached the callee, and the call being set up is still there: the caller's CANCEL gets 487.
    expect(b.received.filter((m) => m.kind === 'request' && m.method !== 'INVITE')).toEqual([]);
    call.cancel();
    const inviteSeq = getCSeq(ringing)?.seq;
    const final = (await a.waitFor((m) => m.kind === 'response' && m.status >= 200 && getCSeq(m)?.seq === inviteSeq)) as SipResponse;
    expect([final.status, getCSeq(final)]).toEqual([487, { seq: inviteSeq, method: 'INVITE' }]);
  });
});

describe('while the callee has answered and the caller has no 200 yet', { timeout: 30_000 }, () => {
  /** The relay takes its time with the callee's answer until `release`: the call sits in Answering. */
  function slowRelay() {
    let release: () => void = () => {};
    const gate = new Promise<void>((resolve) => (release = resolve));
    const relay = new Proxy(server.relay, {
      get(target, name, receiver) {
        if (name === 'answer') return async (...args: Parameters<MediaRelay['answer']>) => (await gate, target.answer(...args));
        const v = Reflect.get(target, name, receiver) as unknown;
        return typeof v === 'function' ? v.bind(target) : v;
      },
    });
    return { relay, release };
  }

  it("the callee's INFO and UPDATE and the caller's early-dialog INFO get 500 with Retry-After; once connected an INFO goes through", async () => {
    const slow = slowRelay();
    const { a, b, ma, mb } = await phones({ relay: slow.relay });
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ringing = (await a.waitFor((m) => m.kind === 'response' && m.status === 180)) as SipResponse;
    const ownTag = tagOf(header(await b.waitRequest('ACK'), 'to'))!;

    fromCallee(b, ownTag, 'INFO', 2, ['Content-Type: application/dtmf'], '1');
    expect(retryLater(await b.waitResponse('INFO'))).toEqual([500, true]);
    fromCallee(b, ownTag, 'UPDATE', 3, ['Content-Type: application/sdp'], mb.offer({ codecs: ['PCMU'] }));
    expect(retryLater(await b.waitResponse('UPDATE'))).toEqual([500, true]);
    call.useEarlyDialog(ringing);
    call.request('INFO', ['Content-Type: application/dtmf'], '2');
    expect(retryLater(await a.waitResponse('INFO'))).toEqual([500, true]);
    expect(a.received.filter(requestOf('INFO'))).toEqual([]);

    // The dialogs stayed: the call connects, and the callee's INFO, tried again, reaches the caller.
    slow.release();
    const ok = await a.waitResponse('INVITE', 200, 1);
    expect(ok.status).toBe(200);
    call.ack2xx(ok);
    fromCallee(b, ownTag, 'INFO', 4, ['Content-Type: application/dtmf'], '1');
    const relayed = (await a.waitFor(requestOf('INFO'))) as SipRequest;
    expect([header(relayed, 'call-id'), relayed.body.toString('utf8')]).toEqual([call.callId, '1']);
    expect((await b.waitResponse('INFO', 200, 3)).status).toBe(200);
    call.bye();
    await b.waitRequest('BYE');
  });

  it('the caller hangs up in its early dialog with no hops left: the callee gets its BYE with Max-Forwards 70', async () => {
    const slow = slowRelay();
    const { a, b, ma } = await phones({ relay: slow.relay });
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ringing = (await a.waitFor((m) => m.kind === 'response' && m.status === 180)) as SipResponse;
    await b.waitRequest('ACK');
    call.byeEarly(ringing, ['Max-Forwards: 0']);
    expect((await a.waitResponse('INVITE', 200, 1)).status).toBe(487);
    expect(header(await b.waitRequest('BYE'), 'max-forwards')).toBe('70');
    slow.release();
  });
});
