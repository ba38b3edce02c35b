// The callee's call settings as the B2BUA applies them (do-not-disturb
// goes straight to onUnavailable without ringing; the ring timeout is the
// callee's own), and the call detail record each kind of call leaves.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { CalleeCallSettings } from '../../src/pbx/calls/b2bua.ts';
import type { CallRecord } from '../../src/pbx/cdr/index.ts';
import type { SipResponse } from '../../src/sip/message/index.ts';
import { CallServer } from './call-server.ts';

let server: CallServer;
const records: CallRecord[] = [];
const settings = new Map<string, CalleeCallSettings | null>();

beforeAll(async () => {
  server = await CallServer.start({ min: 43400, max: 43499 });
});
afterAll(async () => {
  await server?.close();
});

function fresh(): void {
  records.length = 0;
  settings.clear();
  server.reset({
    records: { record: (r) => records.push(r) },
    readCall: async (_practiceId, extension) => ({ requireSrtp: false, callee: settings.has(extension) ? settings.get(extension)! : { doNotDisturb: false, ringTimeoutSeconds: 20 } }),
  });
}

const CALLER_SETUP = ['> INVITE', '< 407', '> ACK', '> INVITE'];

async function waitRecord(): Promise<CallRecord> {
  for (let i = 0; i < 200 && records.length === 0; i++) await new Promise((r) => setImmediate(r));
  return records[0]!;
}

describe('call settings and call detail records', { timeout: 30_000 }, () => {
  it('sends a caller to onUnavailable without ringing a do-not-disturb callee', async () => {
    fresh();
    settings.set('102', { doNotDisturb: true, ringTimeoutSeconds: 20 });
    const a = await server.phone('101');
    const b = await server.phone('102');
    await b.register();
    const call = await a.call('102', (await server.media()).offer({ codecs: ['PCMU'] }));
    const final = await a.waitResponse('INVITE', 300, 1);
    call.ackNon2xx(final);
    expect(final.status).toBe(480);
    expect(server.unavailable).toEqual(['busy']);
    expect(a.flow).toEqual([...CALLER_SETUP, '< 480', '> ACK']);
    expect(b.flow).toEqual([]);
    expect(await waitRecord()).toMatchObject({ callerExtension: '101', calleeExtension: '102', answeredAt: null, outcome: 'busy', callerNumberRef: null });
  });

  it('answers 404 for an extension the practice does not have, without voicemail, and records it failed', async () => {
    fresh();
    settings.set('999', null);
    const a = await server.phone('101');
    const call = await a.call('999', (await server.media()).offer({ codecs: ['PCMU'] }));
    const final = await a.waitResponse('INVITE', 300, 1);
    call.ackNon2xx(final);
    expect(final.status).toBe(404);
    expect(server.unavailable).toEqual([]);
    expect(a.flow).toEqual([...CALLER_SETUP, '< 404', '> ACK']);
    expect(await waitRecord()).toMatchObject({ calleeExtension: '999', answeredAt: null, outcome: 'failed' });
  });

  it("rings for the callee's own ring timeout, then cancels and records no-answer", async () => {
    fresh();
    settings.set('102', { doNotDisturb: false, ringTimeoutSeconds: 5 });
    const a = await server.phone('101');
    const b = await server.phone('102');
    await b.register();
    const call = await a.call('102', (await server.media()).offer({ codecs: ['PCMU'] }));
    await a.waitResponse('INVITE', 180, 1);
    const started = Date.now();
    const final = await a.waitResponse('INVITE', 300, 1);
    const rang = Date.now() - started;
    call.ackNon2xx(final);
    await b.waitRequest('ACK');
    expect(server.unavailable).toEqual(['no-answer']);
    // Not a timing assertion: 5 s (the callee's setting) ended the ringing, not the 20 s default.
    expect(rang).toBeLessThan(15_000);
    expect(b.flow).toEqual(['< INVITE', '> 180', '< CANCEL', '> 200', '> 487', '< ACK']);
    expect(await waitRecord()).toMatchObject({ outcome: 'no-answer', answeredAt: null });
  });

  it('records an answered call with its answer time, and a cancelled one', async () => {
    fresh();
    const a = await server.phone('101');
    const b = await server.phone('102');
    await b.register();
    const ma = await server.media();
    const mb = await server.media();
    b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    await b.waitRequest('ACK');
    call.bye();
    await b.waitRequest('BYE');
    const r = await waitRecord();
    expect(r).toMatchObject({ outcome: 'answered', callerExtension: '101', calleeExtension: '102', practiceId: 'practice-1' });
    expect(r.answeredAt).not.toBeNull();
    expect(r.startedAt).toBeLessThanOrEqual(r.answeredAt!);
    expect(r.answeredAt!).toBeLessThanOrEqual(r.endedAt);

    fresh();
    const c = await server.phone('102');
    await c.register();
    const call2 = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    await a.waitResponse('INVITE', 180, call2.cseq - 1);
    call2.cancel();
    const final = (await a.waitFor((m) => m.kind === 'response' && m.status === 487)) as SipResponse;
    call2.ackNon2xx(final);
    expect(await waitRecord()).toMatchObject({ outcome: 'cancelled', answeredAt: null });
  });

  it('records voicemail, with its answer time, when the unavailable hook answers the caller itself', async () => {
    fresh();
    const media = await server.media();
    server.use({
      records: { record: (r) => records.push(r) },
      // A stand-in for the voicemail app: it answers after a lookup, as the real one does.
      onUnavailable: (call) => void setImmediate(() => call.answer(media.answer(call.invite.body.toString('utf8'), { codecs: ['PCMU'] }))),
    });
    const a = await server.phone('101');
    const call = await a.call('103', (await server.media()).offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    expect(records).toEqual([]);
    call.bye();
    await a.waitResponse('BYE');
    const r = await waitRecord();
    expect(r).toMatchObject({ outcome: 'voicemail', calleeExtension: '103' });
    expect(r.answeredAt).not.toBeNull();
  });

  it('records the refusal when the hook rejects the caller later (no box, a failure)', async () => {
    fresh();
    server.use({ records: { record: (r) => records.push(r) }, onUnavailable: (call) => void setImmediate(() => call.reject(480)) });
    const a = await server.phone('101');
    const call = await a.call('103', (await server.media()).offer({ codecs: ['PCMU'] }));
    call.ackNon2xx(await a.waitResponse('INVITE', 300, 1));
    // 103 has no registered phone: the outcome a refusal records for an unregistered callee.
    expect(await waitRecord()).toMatchObject({ outcome: 'no-answer', answeredAt: null });
  });
});
