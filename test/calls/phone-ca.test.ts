// SOTTO_SIP_TLS_PHONE_CA: after a restart a running Sotto reaches a TLS
// phone by opening a new connection to its Contact and checks the phone's
// certificate. A phone with a self-signed certificate was unreachable there
// (the call went to voicemail until the phone re-registered, up to an hour);
// with its certificate in the file, the call rings it. Without the file,
// such a phone is still refused: the check stays on.
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterEach, describe, expect, it } from 'vitest';
import { loadConfig, type SottoConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../../src/directory/index.ts';
import { generateSelfSignedCertificate } from '../../src/sip/transport/index.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { CallPhone } from './call-phone.ts';

const DOMAIN = 'pbx.phone-ca.test';
const phoneCert = generateSelfSignedCertificate({ commonName: '127.0.0.1', altNames: ['127.0.0.1'], keyType: 'ec' });

const closers: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

/** One Sotto on `config`, closed after the test (server, then runtime). */
async function start(config: SottoConfig): Promise<{ rt: Runtime; sotto: RunningSotto }> {
  const rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
  const sotto = await startServer(rt);
  const running = { rt, sotto, closed: false };
  closers.push({
    close: async () => {
      if (running.closed) return;
      running.closed = true;
      await sotto.stop();
      await rt.close();
    },
  });
  return running;
}

describe('a TLS phone with a self-signed certificate, after Sotto restarts', { timeout: 60_000 }, () => {
  it.each([
    ['with its certificate in SOTTO_SIP_TLS_PHONE_CA, the call rings it on its Contact port', true, '48160-48179'],
    ['without SOTTO_SIP_TLS_PHONE_CA, its certificate is refused and it is not rung', false, '48180-48199'],
  ] as const)('%s', async (_name, withCa, rtpPorts) => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sotto-phone-ca-'));
    const caFile = join(dataDir, 'phones.pem');
    writeFileSync(caFile, phoneCert.certPem);
    const config = loadConfig({
      SOTTO_DATA_DIR: dataDir,
      SOTTO_BIND: '127.0.0.1',
      SOTTO_HTTP_PORT: '0',
      SOTTO_SIP_PORT: '0',
      SOTTO_SIP_TLS_PORT: '0',
      SOTTO_RTP_PORTS: rtpPorts,
      ...(withCa ? { SOTTO_SIP_TLS_PHONE_CA: caFile } : {}),
    });
    const first = await start(config);
    const practice = await createPractice(first.rt.database.db, { name: 'CA Clinic', tier: 'pro', sipDomain: DOMAIN });
    const passwords: Record<string, string> = {};
    for (const ext of ['101', '102']) {
      const { user } = await addUser(first.rt.database.db, practice.id, { email: `u${ext}@phone-ca.example`, displayName: `U${ext}`, role: 'staff', extension: ext }, CLI_ACTOR);
      passwords[ext] = (await addDevice(first.rt.database.db, practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR)).sipPassword;
    }
    const serverCa = readFileSync(join(dataDir, 'tls', 'sip-cert.pem'), 'utf8');
    const callee = await CallPhone.open({
      server: { host: '127.0.0.1', port: first.sotto.sip.ports.tls },
      domain: DOMAIN,
      username: '102',
      password: passwords['102']!,
      transport: 'TLS',
      ca: serverCa,
      listen: { cert: phoneCert.certPem, key: phoneCert.keyPem },
    });
    closers.push(callee);
    expect((await callee.register()).status).toBe(200);

    // The restart: every connection closes; the binding (flow and Contact) is kept in the database.
    await closers[0]!.close();
    const second = await start(config);
    const caller = await CallPhone.open({ server: { host: '127.0.0.1', port: second.sotto.sip.ports.udp }, domain: DOMAIN, username: '101', password: passwords['101']!, transport: 'UDP' });
    const ma = await FakePhone.open();
    const mb = await FakePhone.open();
    closers.push(caller, ma, mb);
    callee.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'], srtp: /^a=crypto:/m.test(offer) }) };
    const call = await caller.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ok = await caller.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    if (withCa) {
      await callee.waitRequest('ACK');
      // Sotto opened the connection to the port the phone's Contact names, and the phone answered there.
      expect(callee.lastInviteOn).toBe(callee.contactPort);
      expect(callee.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK']);
    } else {
      // Voicemail took the call: the phone was never reached.
      expect(callee.flow).toEqual([]);
    }
    call.bye();
    expect((await caller.waitResponse('BYE')).status).toBe(200);
  });

  it('refuses a SOTTO_SIP_TLS_PHONE_CA file without a certificate at start, naming the variable', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sotto-phone-ca-bad-'));
    const caFile = join(dataDir, 'phones.pem');
    writeFileSync(caFile, phoneCert.keyPem);
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_SIP_TLS_PHONE_CA: caFile });
    const rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    closers.push({ close: () => rt.close() });
    const failure = await startServer(rt).then(
      async (running) => void (await running.stop()),
      (e: unknown) => e,
    );
    expect(failure).toMatchObject({ code: 'CONFIG_INVALID', variable: 'SOTTO_SIP_TLS_PHONE_CA' });
  });
});
