// A real softphone's message lamp: baresip with its mwi module registers
// with a running Sotto, subscribes to message-summary for its own box, and
// is told when the box gets a new message.
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
import { startBaresip, type BaresipAgent } from '../support/sip-peers.ts';

const DOMAIN = 'pbx.mwi-baresip.test';

describe('MWI with baresip', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-mwi-baresip-'));
  let rt: Runtime;
  let sotto: RunningSotto;
  let phone: BaresipAgent | undefined;
  let password = '';
  let boxId = '';
  const counts = { newMessages: 0, oldMessages: 0 };
  const listeners = new Set<(boxId: string) => void>();

  beforeAll(async () => {
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '44700-44799' });
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    sotto = await startServer(rt);
    sotto.sip.mwi.useMailbox({
      counts: () => Promise.resolve({ ...counts }),
      onChange: (l) => (listeners.add(l), () => listeners.delete(l)),
    });
    const practice = await createPractice(rt.database.db, { name: 'Lamp Softphone', tier: 'pro', sipDomain: DOMAIN });
    const { user } = await addUser(rt.database.db, practice.id, { email: 'u101@mwi-baresip.example', displayName: 'U101', role: 'staff', extension: '101' }, CLI_ACTOR);
    password = (await addDevice(rt.database.db, practice.id, user.id, { kind: 'softphone', sipUsername: '101' }, CLI_ACTOR)).sipPassword;
    boxId = (await listExtensions(rt.database.db, practice.id)).find((e) => e.number === '101')!.voicemailBoxId!;
  });
  afterAll(async () => {
    await phone?.stop();
    await sotto?.stop();
    await rt?.close();
  });

  it('subscribes after registering (401 MD5 challenge, 200, NOTIFY 0/0) and is told of a new message (NOTIFY 1/0)', async () => {
    phone = await startBaresip({ aor: `sip:101@${DOMAIN}`, password, transport: 'udp', outboundProxy: `127.0.0.1:${sotto.sip.ports.udp}`, appModules: ['mwi.so'] });
    const account = `Message-Account: sip:101@${DOMAIN}`;
    await phone.waitForOutput(new RegExp(`Messages-Waiting: no\\s+${account}\\s+Voice-Message: 0/0 \\(0/0\\)`), 15_000);
    counts.newMessages = 1;
    for (const l of listeners) l(boxId);
    await phone.waitForOutput(new RegExp(`Messages-Waiting: yes\\s+${account}\\s+Voice-Message: 1/0 \\(0/0\\)`), 15_000);
    const flow = phone
      .messages()
      .filter((m) => /SUBSCRIBE|NOTIFY/.test(m.headers.find((h) => h.name.toLowerCase() === 'cseq')?.value ?? ''))
      .map((m) => `${m.direction === 'sent' ? '>' : '<'} ${m.firstLine.startsWith('SIP/2.0') ? m.firstLine.split(' ')[1] : m.firstLine.split(' ')[0]}`);
    expect(flow.slice(0, 8)).toEqual(['> SUBSCRIBE', '< 401', '> SUBSCRIBE', '< 200', '< NOTIFY', '> 200', '< NOTIFY', '> 200']);
    const notify = phone.messages().find((m) => m.firstLine.startsWith('NOTIFY'))!;
    const header = (name: string) => notify.headers.find((h) => h.name.toLowerCase() === name)?.value;
    expect([header('event'), header('subscription-state'), header('content-type')]).toEqual(['message-summary', expect.stringMatching(/^active;expires=\d+$/), 'application/simple-message-summary']);
  });
});
