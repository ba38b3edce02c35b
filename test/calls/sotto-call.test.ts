// A call through a running Sotto (`startServer`: real database, the
// registrar, the B2BUA and the media relay wired by sip-service): 102
// registers, 101 calls it, 102 answers, 101 hangs up; a request Sotto does
// not handle in the caller's early dialog gets its answer from the B2BUA.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { SOTTO_ALLOW } from '../../src/pbx/uas-capabilities.ts';
import { getCSeq, getHeader, type SipResponse } from '../../src/sip/message/index.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../../src/directory/index.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { CallPhone } from './call-phone.ts';

const DOMAIN = 'pbx.calls.test';

describe('a call through a running Sotto', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-call-'));
  let rt: Runtime;
  let sotto: RunningSotto;
  const passwords: Record<string, string> = {};
  const closers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '44000-44199' });
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    sotto = await startServer(rt);
    const practice = await createPractice(rt.database.db, { name: 'Call Clinic', tier: 'pro', sipDomain: DOMAIN });
    for (const ext of ['101', '102', '103', '104']) {
      const { user } = await addUser(rt.database.db, practice.id, { email: `u${ext}@calls.example`, displayName: `U${ext}`, role: 'staff', extension: ext }, CLI_ACTOR);
      passwords[ext] = (await addDevice(rt.database.db, practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR)).sipPassword;
    }
  });
  afterAll(async () => {
    for (const c of closers) c.close();
    await sotto?.stop();
    await rt?.close();
  });

  const phone = async (ext: string, transport: 'UDP' | 'TCP' = 'UDP') => {
    const port = transport === 'TCP' ? sotto.sip.ports.tcp : sotto.sip.ports.udp;
    const p = await CallPhone.open({ server: { host: '127.0.0.1', port }, domain: DOMAIN, username: ext, password: passwords[ext]!, transport });
    closers.push(p);
    return p;
  };

  it.each([
    ['UDP', '102'],
    ['TCP', '103'],
  ] as const)('rings a phone registered over %s, connects and hangs up both legs', async (transport, callee) => {
    const a = await phone('101');
    const b = await phone(callee, transport);
    expect((await b.register()).status).toBe(200);
    const ma = await FakePhone.open();
    const mb = await FakePhone.open();
    closers.push(ma, mb);
    b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
    const call = await a.call(callee, ma.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    expect(ok.status).toBe(200);
    call.ack2xx(ok);
    await b.waitRequest('ACK');
    call.bye();
    await a.waitResponse('BYE');
    await b.waitRequest('BYE');
    expect(a.flow).toEqual(['> INVITE', '< 407', '> ACK', '> INVITE', '< 180', '< 200', '> ACK', '> BYE', '< 200']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
    // The call left its detail record in the database.
    const row = async () => rt.database.db.selectFrom('call_records').selectAll().where('callee_extension', '=', callee).executeTakeFirst();
    for (let i = 0; i < 100 && !(await row()); i++) await new Promise((r) => setTimeout(r, 20));
    expect(await row()).toMatchObject({ caller_extension: '101', callee_extension: callee, outcome: 'answered', caller_number_ref: null });
  });

  it("answers a REFER in the caller's early dialog 501 with Allow, not 481 (which would end the call being set up)", async () => {
    const a = await phone('101');
    // 104: no phone of the tests above, which would answer, is registered for it.
    const b = await phone('104');
    expect((await b.register()).status).toBe(200);
    const ma = await FakePhone.open();
    closers.push(ma);
    b.incoming = { kind: 'ring' };
    const call = await a.call('104', ma.offer({ codecs: ['PCMU'] }));
    const ringing = (await a.waitFor((m) => m.kind === 'response' && m.status === 180)) as SipResponse;
    call.useEarlyDialog(ringing);
    call.request('REFER', ['Refer-To: <sip:103@pbx.calls.test>']);
    const refer = await a.waitResponse('REFER');
    expect([refer.status, getHeader(refer.headers, 'allow'), getHeader(refer.headers, 'retry-after')]).toEqual([501, SOTTO_ALLOW.value, undefined]);
    call.request('PRACK', ['RAck: 1 1 INVITE']);
    expect((await a.waitResponse('PRACK')).status).toBe(481);
    // The call still rings: the caller's CANCEL ends it with 487.
    call.cancel();
    const inviteSeq = getCSeq(ringing)?.seq;
    const final = (await a.waitFor((m) => m.kind === 'response' && m.status >= 200 && getCSeq(m)?.seq === inviteSeq)) as SipResponse;
    expect(final.status).toBe(487);
  });
});
