// The mailbox by phone from a real softphone, as the acceptance audit used
// it: baresip (keys typed on its UDP console, sent as RFC 4733 events, each
// key lasting until the next and the last never ending) dials its own
// extension on a running Sotto, types the PIN 300 ms a key ending with '#',
// and presses 7 while its message plays. The caller would notice a PIN not
// taken or a message not deleted.
import { execFileSync } from 'node:child_process';
import dgram from 'node:dgram';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { PeerProcess } from '../interop/harness/child.ts';
import { freeSipPort, LOOPBACK } from '../interop/harness/ports.ts';
import { ANSI, writeBaresipProfile } from './baresip-caller.ts';
import { boxOf, leaveMessage, pcmWav, startVoicemailClinic, tone, type VoicemailClinic } from '../support/voicemail.ts';

const DOMAIN = 'pbx.mailbox-baresip.test';
const PIN = '703262';

const hasBaresip = (() => {
  try {
    execFileSync('baresip', ['-h'], { stdio: 'ignore' });
  } catch (e) {
    return (e as { status?: number }).status !== undefined;
  }
  return true;
})();

/** baresip as 102's softphone, its console on a loopback UDP port so the test can type on its keypad. */
async function startKeypadPhone(o: { aor: string; password: string; proxy: string; dial: string }) {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-keypad-baresip-'));
  const sipPort = await freeSipPort();
  const consPort = await freeSipPort();
  // The microphone: silence, longer than the test (baresip hangs up at the file's end).
  const wavFile = join(dir, 'mic.wav');
  writeFileSync(wavFile, pcmWav(new Int16Array(8000 * 110)));
  writeBaresipProfile(dir, { ...o, sipPort, wavFile, modules: ['module cons.so', `cons_listen ${LOOPBACK}:${consPort}`, 'module_app menu.so', 'module_app account.so'] });
  const proc = new PeerProcess('baresip keypad phone', 'baresip', ['-f', dir, '-e', `/dial ${o.dial}`, '-t', '110'], { cwd: dir, maxLifetimeMs: 115_000, outputFilter: (t) => t.replace(ANSI, '') });
  const console = dgram.createSocket('udp4');
  return {
    proc,
    /** Types `keys` on the console `gapMs` apart, as a person on the keypad would. */
    async type(keys: string, gapMs: number): Promise<void> {
      for (const key of keys) {
        await new Promise<void>((resolve, reject) => console.send(key, consPort, LOOPBACK, (e) => (e ? reject(e) : resolve())));
        await new Promise((r) => setTimeout(r, gapMs));
      }
    },
    async stop() {
      console.close();
      await proc.stop('SIGTERM', 3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** Waits on the outside world (rows in the database); not a timed sleep. */
async function until(what: string, test: () => Promise<boolean>, timeoutMs = 30_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await test())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

describe.runIf(hasBaresip)('the mailbox by phone from baresip, keys typed fast', { timeout: 120_000 }, () => {
  let clinic: VoicemailClinic;
  let phone: Awaited<ReturnType<typeof startKeypadPhone>> | undefined;

  beforeAll(async () => {
    clinic = await startVoicemailClinic({ domain: DOMAIN, rtpPorts: '45450-45499', pin: PIN });
  });
  afterAll(async () => {
    await phone?.stop();
    await clinic?.close();
  });

  it("takes the PIN typed 300 ms a key with a held '#', and deletes the message on a held 7", async () => {
    const { rt, sotto, practiceId, passwords } = clinic;
    const db = rt.database.db;
    const box = await boxOf(db, practiceId, '102');
    const message = await leaveMessage(sotto.voicemail.store, box, tone(20_000, 600));
    const audits = async (action: string) =>
      (await db.selectFrom('audit_events').select(['action', 'outcome']).where('practice_id', '=', practiceId).where('action', '=', action).execute()).map((a) => a.outcome);

    phone = await startKeypadPhone({ aor: `sip:102@${DOMAIN}`, password: passwords['102']!, proxy: `127.0.0.1:${sotto.sip.ports.udp}`, dial: '102' });
    await phone.proc.waitForOutput(/Call established|call established/i, 15_000);
    // Sotto's PIN prompt is reaching the phone: the menu is listening.
    await phone.proc.waitForOutput(/audio=\d+\/[1-9]\d* \(bit\/s\)/, 30_000);
    await phone.type(`${PIN}#`, 300);
    await until('the sign-in', async () => (await audits('voicemail.mailbox_sign_in')).length > 0);
    expect(await audits('voicemail.mailbox_sign_in')).toEqual(['success']);

    // The 20 s message starts playing after "You have 1 new message. Message 1."; 7 is acted on wherever it lands.
    await until('the message playing', async () => (await audits('voicemail.play')).length > 0);
    await phone.type('7', 300);
    await until('the delete', async () => (await audits('voicemail.delete')).length > 0);
    expect(await audits('voicemail.delete')).toEqual(['success']);
    expect(await db.selectFrom('voicemail_messages').select('id').where('id', '=', message.id).execute()).toEqual([]);
  });
});
