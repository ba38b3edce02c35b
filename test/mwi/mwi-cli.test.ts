// The message-waiting lamp follows changes the CLI makes from another process
// while Sotto runs: `sotto voicemail heard` and `sotto voicemail delete` go
// to the database only, and the server's own change listeners never hear of
// them. Before, the phone's lamp kept showing the deleted message until the
// next restart. Real voicemail store, real CLI process, a phone subscribed
// over UDP.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../../src/directory/index.ts';
import { VoicemailStore } from '../../src/voicemail/index.ts';
import { sottoAsync } from '../support/cli.ts';
import { boxOf, leaveMessage, tone } from '../support/voicemail.ts';
import { MwiPhone } from './mwi-phone.ts';

const DOMAIN = 'pbx.mwi-cli.test';

describe('MWI and the CLI', { timeout: 120_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-mwi-cli-'));
  const env = { SOTTO_DATA_DIR: dataDir };
  let rt: Runtime;
  let sotto: RunningSotto;
  let phone: MwiPhone | undefined;
  const ids: string[] = [];
  let password = '';

  beforeAll(async () => {
    rt = await openRuntime(
      loadConfig({ ...env, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '48430-48469' }),
      createLogger('silent', pino.destination(2)),
    );
    sotto = await startServer(rt);
    const practice = await createPractice(rt.database.db, { name: 'Lamp CLI Clinic', tier: 'pro', sipDomain: DOMAIN });
    const { user } = await addUser(rt.database.db, practice.id, { email: 'u101@mwi-cli.example', displayName: 'U101', role: 'staff', extension: '101' }, CLI_ACTOR);
    password = (await addDevice(rt.database.db, practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR)).sipPassword;
    const box = await boxOf(rt.database.db, practice.id, '101');
    const store = new VoicemailStore(rt.database.db, rt.vault);
    for (let i = 0; i < 2; i++) ids.push((await leaveMessage(store, box, tone(800))).id);
  });
  afterAll(async () => {
    phone?.close();
    await sotto?.stop();
    await rt?.close();
  });

  const lampSays = async (p: MwiPhone, summary: string) => {
    await p.until(() => p.notifies.some((n) => n.body.toString('latin1').includes(`Voice-Message: ${summary} (0/0)`)), `a NOTIFY with ${summary}`);
  };

  it('a message marked heard, then deleted, from the CLI changes the lamp while Sotto runs', async () => {
    phone = await MwiPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '101', password });
    expect((await phone.subscribe(600)).status).toBe(200);
    await lampSays(phone, '2/0');

    const heard = await sottoAsync(['voicemail', 'heard', ids[0]!], env);
    expect(heard.status, heard.stderr).toBe(0);
    await lampSays(phone, '1/1');

    const deleted = await sottoAsync(['voicemail', 'delete', ids[1]!], env);
    expect(deleted.status, deleted.stderr).toBe(0);
    await lampSays(phone, '0/1');
    const last = phone.notifies.at(-1)!.body.toString('latin1');
    expect(last).toContain('Messages-Waiting: no\r\n');
  });

  it('a CLI command that changes no message sends the lamp nothing', async () => {
    const before = phone!.notifies.length;
    const listed = await sottoAsync(['voicemail', 'list', '--json'], env);
    expect(listed.status, listed.stderr).toBe(0);
    // The listing committed its audit event on another connection; reading the counts again finds them unchanged.
    expect(await sotto.sip.mwi.resync()).toBe(0);
    expect(phone!.notifies.length).toBe(before);
  });
});
