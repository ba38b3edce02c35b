// Issue 8 end to end, with real peers: Sotto runs as its own process (so it
// can be killed -9), baresip is the caller and plays a recorded voicemail
// (rendered with festival's HTS voice) into a call to an extension nobody
// answers (not registered), then hangs up when the file ends. The test finds
// the message through the API, decodes its audio, reads the machine
// transcript, and receives the email notice on a real SMTP server
// (smtp-server, STARTTLS with a test CA): by default no attachment and no
// caller number; with attachAudio on, the recording is attached. Last, a
// recording is cut by kill -9; after a restart the message is there, partial,
// and still announced.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { addDevice, addUser, CLI_ACTOR, createApiToken, createPractice, updatePolicy, updateVoicemailSettings } from '../../src/directory/index.ts';
import { bytesToPcm16, parseWav } from '../../src/media/wav.ts';
import { pocketsphinxStatus } from '../../src/transcribe/index.ts';
import { defaultGreetingText, renderSpeech, speechEngines } from '../../src/voicemail/speech/index.ts';
import { PeerProcess } from '../interop/harness/child.ts';
import { freeSipPort } from '../interop/harness/ports.ts';
import { makeSelfSignedCert, startSmtpServer, type SelfSignedCert, type TestSmtpServer } from '../notify/smtp-harness.ts';
import { festivalVoiceInstalled } from '../transcribe/render-voicemail.ts';
import { startBaresipCaller } from './baresip-caller.ts';
import { withoutIds } from '../support/phi.ts';
import { MwiPhone } from '../mwi/mwi-phone.ts';

const DOMAIN = 'vm-e2e.test';
const SPOKEN = 'Hi, this is John Smith, please call me back about my appointment on Tuesday at 3 pm.';
const canRun = festivalVoiceInstalled() && speechEngines().length > 0 && (() => {
  try {
    execFileSync('baresip', ['-h'], { stdio: 'ignore' });
  } catch (e) {
    return (e as { status?: number }).status !== undefined;
  }
  return true;
})();
const transcribes = pocketsphinxStatus().available;

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

/** Waits on a condition of the outside world (a file growing); not a timed sleep. */
async function until(what: string, test: () => boolean, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!test()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

function pendingBlobBytes(dir: string): number {
  let max = 0;
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name);
      const s = statSync(p);
      if (s.isDirectory()) walk(p);
      else if (name.endsWith('.pending')) max = Math.max(max, s.size);
    }
  };
  walk(dir);
  return max;
}

describe.runIf(canRun)('voicemail end to end (baresip, festival, SMTP, kill -9)', { timeout: 240_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-vm-e2e-'));
  const fixtureDir = mkdtempSync(join(tmpdir(), 'sotto-vm-fixture-'));
  let cert: SelfSignedCert;
  let smtp: TestSmtpServer;
  let env: NodeJS.ProcessEnv;
  let server: { proc: PeerProcess; httpUrl: string; sipPort: number } | undefined;
  let callerPassword = '';
  let lampPassword = '';
  const tokens: Record<string, string> = {};
  let fixture = '';
  let speechMs = 0;

  const startSottoProcess = async () => {
    const proc = new PeerProcess('sotto', process.execPath, ['--import', 'tsx', 'test/voicemail/sotto-server.ts'], { cwd: process.cwd(), env, maxLifetimeMs: 230_000 });
    const m = await proc.waitForOutput(/\{"ready":true,"httpUrl":"([^"]+)","sipPort":(\d+)\}/, 60_000);
    await proc.waitForOutput(/"event":"voicemail.greetings_ready"/, 120_000);
    server = { proc, httpUrl: m[1]!, sipPort: Number(m[2]) };
    return server;
  };
  const api = async (ext: string, path: string) => fetch(`${server!.httpUrl}/api/v1${path}`, { headers: { authorization: `Bearer ${tokens[ext]}` } });
  const callAndLeave = async (ext: string, wav: string) =>
    startBaresipCaller({ aor: `sip:101@${DOMAIN}`, password: callerPassword, proxy: `127.0.0.1:${server!.sipPort}`, dial: ext, wavFile: wav });

  beforeAll(async () => {
    cert = makeSelfSignedCert();
    smtp = await startSmtpServer({ tls: { key: cert.key, cert: cert.cert } });
    // The kernel's ephemeral ports can fall in the fixed RTP range below, which Sotto refuses for its own ports.
    const outsideRtp = async (): Promise<number> => {
      for (;;) {
        const port = await freeSipPort();
        if (port < 45200 || port > 45399) return port;
      }
    };
    const sipPort = await outsideRtp();
    env = {
      ...process.env,
      SOTTO_DATA_DIR: dataDir,
      SOTTO_BIND: '127.0.0.1',
      SOTTO_HTTP_PORT: String(await outsideRtp()),
      SOTTO_SIP_PORT: String(sipPort),
      SOTTO_SIP_TLS_PORT: String(await outsideRtp()),
      SOTTO_RTP_PORTS: '45200-45399',
      SOTTO_PUBLIC_URL: 'https://pbx.e2e.example',
      SOTTO_SMTP_URL: smtp.url,
      SOTTO_SMTP_CA_FILE: cert.certFile,
      SOTTO_SMTP_FROM: 'notices@e2e.example',
      SOTTO_LOG_LEVEL: 'info',
    };
    // Seed the practice into the data dir before the server starts.
    const rt = await openRuntime(loadConfig(env), createLogger('silent', pino.destination(2)));
    const practice = await createPractice(rt.database.db, { name: 'Maple Family Practice', tier: 'pro', sipDomain: DOMAIN });
    await updatePolicy(rt.database.db, practice.id, { emailAttachmentsAllowed: true }, CLI_ACTOR);
    const { user: caller } = await addUser(rt.database.db, practice.id, { email: 'caller@e2e.example', displayName: 'Caller', role: 'staff', extension: '101' }, CLI_ACTOR);
    callerPassword = (await addDevice(rt.database.db, practice.id, caller.id, { kind: 'softphone' }, CLI_ACTOR)).sipPassword;
    for (const ext of ['102', '103', '104']) {
      const { user } = await addUser(rt.database.db, practice.id, { email: `box${ext}@e2e.example`, displayName: `Box ${ext}`, role: 'provider', extension: ext }, CLI_ACTOR);
      tokens[ext] = (await createApiToken(rt.database.db, practice.id, user.id, 'provider', 'e2e', CLI_ACTOR)).token;
      // 102's desk phone watches its box's message-waiting lamp (it does not answer calls).
      if (ext === '102') lampPassword = (await addDevice(rt.database.db, practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR)).sipPassword;
      if (ext === '103') await updateVoicemailSettings(rt.database.db, practice.id, user.id, { attachAudio: true }, CLI_ACTOR);
    }
    await rt.close();

    // The caller's "voice": festival HTS slt at 8 kHz, after enough quiet for the greeting and tone.
    const greetingMs = Math.ceil((await renderSpeech(defaultGreetingText('unavailable'))).length / 8);
    const raw = join(fixtureDir, 'speech.wav');
    execFileSync('sh', ['-c', `echo "${SPOKEN}" | text2wave -eval '(voice_cmu_us_slt_arctic_hts)' -F 8000 -o ${raw}`], { timeout: 120_000 });
    speechMs = Math.round(Number(execFileSync('soxi', ['-D', raw]).toString()) * 1000);
    fixture = join(fixtureDir, 'voicemail.wav');
    execFileSync('sox', [raw, '-r', '8000', '-c', '1', '-b', '16', '-e', 'signed-integer', fixture, 'pad', String((greetingMs + 300 + 400 + 1500) / 1000), '1']);
    await startSottoProcess();
  });

  afterAll(async () => {
    await server?.proc.stop('SIGTERM', 5000);
    await smtp?.close();
    cert?.remove();
    rmSync(dataDir, { recursive: true, force: true });
    rmSync(fixtureDir, { recursive: true, force: true });
  });

  it('records the voicemail, lists it, serves its audio and transcript, mails a PHI-free notice and lights the lamp', async () => {
    const lamp = await MwiPhone.open({ server: { host: '127.0.0.1', port: server!.sipPort }, domain: DOMAIN, username: '102', password: lampPassword });
    try {
      expect((await lamp.subscribe()).status).toBe(200);
      expect((await lamp.notifyNumber(1)).body.toString('utf8')).toContain('Voice-Message: 0/0');
      await leaveAndCheck();
      const lit = (await lamp.notifyNumber(2)).body.toString('utf8');
      expect(lit).toContain('Messages-Waiting: yes');
      expect(lit).toContain('Voice-Message: 1/0');
    } finally {
      lamp.close();
    }
  });

  async function leaveAndCheck(): Promise<void> {
    const caller = await callAndLeave('102', fixture);
    try {
      await caller.callEstablished(20_000);
      expect(await caller.callClosed(90_000)).toMatch(/terminated/);
    } finally {
      await caller.stop();
    }
    const mail = await smtp.nextMessage();
    const list = await api('102', '/voicemails');
    expect(list.status).toBe(200);
    const { items } = (await list.json()) as { items: Array<{ id: string; extension: string; durationMs: number; heard: boolean; partial: boolean; transcript: { text: string; engine: string } | null }> };
    expect(items).toHaveLength(1);
    const vm = items[0]!;
    expect(vm).toMatchObject({ extension: '102', heard: false, partial: false });
    // The spoken part from a short pre-roll before the first word (the quiet lead-in is not kept; the hang-up ends it).
    expect(vm.durationMs).toBeGreaterThan(speechMs - 500);
    expect(vm.durationMs).toBeLessThan(speechMs + 4000);

    const audio = await api('102', `/voicemails/${vm.id}/audio`);
    expect(audio.headers.get('content-type')).toBe('audio/wav');
    const wav = parseWav(new Uint8Array(await audio.arrayBuffer()));
    expect(wav.ok).toBe(true);
    if (!wav.ok) return;
    const pcm = bytesToPcm16(wav.value.data);
    expect(Math.round(pcm.length / 8)).toBe(vm.durationMs);
    expect(rms(pcm)).toBeGreaterThan(300);

    if (transcribes) {
      expect(vm.transcript?.engine).toMatch(/pocketsphinx/);
      expect(vm.transcript!.text.toLowerCase()).toMatch(/appointment/);
      expect(vm.transcript!.text.toLowerCase()).toMatch(/tuesday/);
    }

    expect(mail.parsed.to && 'text' in mail.parsed.to ? mail.parsed.to.text : '').toBe('box102@e2e.example');
    expect(mail.parsed.attachments).toHaveLength(0);
    const whole = `${mail.parsed.subject ?? ''}\n${mail.parsed.text ?? ''}\n${mail.parsed.html || ''}`;
    expect(whole).toContain(`https://pbx.e2e.example/voicemails/${vm.id}`);
    expect(withoutIds(whole)).not.toContain('101');
    expect(whole.toLowerCase()).not.toContain('john');
    expect(whole.toLowerCase()).not.toContain('appointment');
  }

  it('attaches the recording over TLS when the user switched attachAudio on', async () => {
    const caller = await callAndLeave('103', fixture);
    try {
      await caller.callEstablished(20_000);
      await caller.callClosed(90_000);
    } finally {
      await caller.stop();
    }
    const mail = await smtp.nextMessage();
    expect(mail.secure).toBe(true);
    expect(mail.parsed.attachments).toHaveLength(1);
    const attached = parseWav(new Uint8Array(mail.parsed.attachments[0]!.content));
    expect(attached.ok && attached.value.sampleRate).toBe(8000);
    expect(withoutIds(mail.parsed.text ?? '')).not.toContain('101');
    // The recording left the box by email: that disclosure is in the audit log, naming the recipient,
    // written once the mail server took the message (so it can follow the mail by a moment).
    const db = new Database(join(dataDir, 'sotto.db'), { readonly: true });
    try {
      const forwardedRows = () => db.prepare("select details from audit_events where action = 'voicemail.forward'").all() as Array<{ details: string }>;
      await until('the voicemail.forward audit event', () => forwardedRows().length > 0, 10_000);
      const forwarded = forwardedRows();
      expect(forwarded).toHaveLength(1);
      expect(JSON.parse(forwarded[0]!.details)).toMatchObject({ via: 'email', audio: true, transcript: false });
    } finally {
      db.close();
    }
  });

  it('keeps a message cut by kill -9 mid-recording, marked partial, and still announces it', async () => {
    const caller = await callAndLeave('104', fixture);
    const mark = server!.proc.outputMark;
    try {
      await caller.callEstablished(20_000);
      await server!.proc.waitForOutput(/"event":"voicemail.recording"/, 60_000, mark);
      // Two sealed chunks durable (header + ~2 s of mu-law), then the power goes.
      await until('two seconds of sealed audio', () => pendingBlobBytes(join(dataDir, 'blobs')) > 16_000, 60_000);
      server!.proc.kill('SIGKILL');
      await server!.proc.exited;
    } finally {
      await caller.stop();
    }
    await startSottoProcess();
    const list = await api('104', '/voicemails');
    const { items } = (await list.json()) as { items: Array<{ id: string; durationMs: number; partial: boolean }> };
    expect(items).toHaveLength(1);
    expect(items[0]!.partial).toBe(true);
    expect(items[0]!.durationMs).toBeGreaterThanOrEqual(1900);
    const mail = await smtp.nextMessage();
    expect(`${mail.parsed.text ?? ''}`).toContain(items[0]!.id);
  });
});
