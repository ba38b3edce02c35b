// The message-waiting indicator against a real peer: sipp subscribes to its
// box through a running Sotto (in this process, so the test can change the
// box's counts), and the wire is asserted: the challenge, the 200, the
// immediate NOTIFY, the NOTIFY after the change, the final NOTIFY.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice, listExtensions } from '../../src/directory/index.ts';
import { describeSippRun, headerValue, runSipp } from '../support/sip-peers.ts';

const DOMAIN = 'pbx.mwi-interop.test';

describe('MWI with sipp', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-mwi-sipp-'));
  let rt: Runtime;
  let sotto: RunningSotto;
  let password = '';
  let boxId = '';
  const counts = { newMessages: 0, oldMessages: 0 };
  const listeners = new Set<(boxId: string) => void>();

  beforeAll(async () => {
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '44500-44599' });
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    sotto = await startServer(rt);
    let told = false;
    sotto.sip.mwi.useMailbox({
      counts: () => {
        // The box gets a message right after the first NOTIFY's state is read: the second NOTIFY must carry it.
        if (!told) {
          told = true;
          setImmediate(() => {
            counts.newMessages = 2;
            counts.oldMessages = 1;
            for (const l of listeners) l(boxId);
          });
          return Promise.resolve({ newMessages: 0, oldMessages: 0 });
        }
        return Promise.resolve({ ...counts });
      },
      onChange: (l) => {
        listeners.add(l);
        return () => listeners.delete(l);
      },
    });
    const practice = await createPractice(rt.database.db, { name: 'Lamp Interop', tier: 'pro', sipDomain: DOMAIN });
    const { user } = await addUser(rt.database.db, practice.id, { email: 'u101@mwi-interop.example', displayName: 'U101', role: 'staff', extension: '101' }, CLI_ACTOR);
    password = (await addDevice(rt.database.db, practice.id, user.id, { kind: 'desk_phone', sipUsername: '101' }, CLI_ACTOR)).sipPassword;
    boxId = (await listExtensions(rt.database.db, practice.id)).find((e) => e.number === '101')!.voicemailBoxId!;
  });
  afterAll(async () => {
    await sotto?.stop();
    await rt?.close();
  });

  it('mwi-subscribe: 401 -> 200 -> NOTIFY 0/0 -> NOTIFY 2/1 after a change -> unsubscribe (401, then with digest) -> NOTIFY terminated', async () => {
    const run = await runSipp({
      scenario: 'mwi-subscribe',
      target: `127.0.0.1:${sotto.sip.ports.udp}`,
      transport: 'udp',
      username: '101',
      password,
      domain: DOMAIN,
      extraArgs: ['-auth_uri', `101@${DOMAIN}`],
    });
    expect(run.flow, describeSippRun(run)).toEqual(['> SUBSCRIBE', '< 401', '> SUBSCRIBE', '< 200', '< NOTIFY', '> 200', '< NOTIFY', '> 200', '> SUBSCRIBE', '< 401', '> SUBSCRIBE', '< 200', '< NOTIFY', '> 200']);
    expect(run.ok, describeSippRun(run)).toBe(true);
    const notifies = run.messages.filter((m) => m.direction === 'received' && m.firstLine.startsWith('NOTIFY'));
    expect(notifies.map((n) => headerValue(n, 'subscription-state'))).toEqual(['active;expires=600', expect.stringMatching(/^active;expires=(600|599)$/), 'terminated;reason=timeout']);
    expect(notifies.map((n) => headerValue(n, 'content-type'))).toEqual(Array(3).fill('application/simple-message-summary'));
    // sipp's trace shows lines without their CRLF; Content-Length pins the CRLF-terminated bytes.
    const lamp = (waiting: string, counts: string) => `Messages-Waiting: ${waiting}\r\nMessage-Account: sip:101@${DOMAIN}\r\nVoice-Message: ${counts} (0/0)\r\n`;
    const expected = [lamp('no', '0/0'), lamp('yes', '2/1'), lamp('yes', '2/1')];
    expect(notifies.map((n) => n.body)).toEqual(expected.map((b) => b.replace(/\r\n/g, '\n').trimEnd()));
    expect(notifies.map((n) => Number(headerValue(n, 'content-length')))).toEqual(expected.map((b) => Buffer.byteLength(b)));
  });
});
