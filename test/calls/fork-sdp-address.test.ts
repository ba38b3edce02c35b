// A callee with two phones on two networks of a multi-homed server: a desk
// phone on one, a softphone on another. Sotto listens on all interfaces
// (SOTTO_BIND=0.0.0.0, no SOTTO_RTP_ADVERTISE), so each phone must be told
// the relay address on the interface facing it (RFC 3264 6: c= is where the
// answerer sends its media). Before, every branch of the fork carried the
// SDP addressed to the first phone: the other one, if it answered, sent its
// audio to an address it may have no route to, and nobody heard it.
//
// On this machine the two networks are loopback (127.0.0.1) and the
// machine's own non-loopback address: sipp phones bound to each register
// as two devices of extension 102. The loopback one rings, the other
// answers and echoes the audio it gets (sipp -rtp_echo): the caller hearing
// its own audio back proves media crossed the relay both ways. sipp checks
// nothing itself; the test reads the INVITEs off sipp's own traces.
//
// Ports: RTP 48200-48239 for Sotto, 48300 for the answering sipp's media.
import { mkdtempSync } from 'node:fs';
import { networkInterfaces, tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../../src/directory/index.ts';
import { CallPhone } from './call-phone.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { describeSippRun, freeSipPort, runSipp, udpBound, type SippRunResult, type TracedSipMessage } from '../support/sip-peers.ts';

const DOMAIN = 'pbx.fork-sdp.test';
const SIPP_MEDIA_PORT = 48300;
/** REGISTER as a device ("102-2") of an extension ("102"): register-auth.xml binds the user name's own AOR. */
const REGISTER_DEVICE = join(dirname(fileURLToPath(import.meta.url)), 'scenarios', 'register-device.xml');

/** This machine's first non-loopback IPv4 address: the "other network" of the test. */
function secondAddress(): string | undefined {
  for (const list of Object.values(networkInterfaces())) {
    for (const a of list ?? []) if (a.family === 'IPv4' && !a.internal) return a.address;
  }
  return undefined;
}

const second = secondAddress();

describe.skipIf(second === undefined)('a call forked to phones on two networks (SOTTO_BIND=0.0.0.0)', { timeout: 60_000 }, () => {
  const other = second!;
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-fork-sdp-'));
  let rt: Runtime;
  let sotto: RunningSotto;
  const devices: Record<string, { username: string; password: string }> = {};
  const closers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '0.0.0.0', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '48200-48239' });
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    sotto = await startServer(rt);
    const practice = await createPractice(rt.database.db, { name: 'Two Networks Clinic', tier: 'pro', sipDomain: DOMAIN });
    const caller = await addUser(rt.database.db, practice.id, { email: 'u101@fork-sdp.example', displayName: 'U101', role: 'staff', extension: '101' }, CLI_ACTOR);
    const d101 = await addDevice(rt.database.db, practice.id, caller.user.id, { kind: 'softphone' }, CLI_ACTOR);
    devices['101'] = { username: d101.device.sipUsername, password: d101.sipPassword };
    const callee = await addUser(rt.database.db, practice.id, { email: 'u102@fork-sdp.example', displayName: 'U102', role: 'staff', extension: '102' }, CLI_ACTOR);
    // The softphone is the extension's first device ("102"), the desk phone its second ("102-…"):
    // branches go out in Contact order, so the desk phone is rung first and the phone that
    // answers is not the one a single shared offer would be addressed to.
    for (const which of ['soft', 'desk'] as const) {
      const d = await addDevice(rt.database.db, practice.id, callee.user.id, { kind: which === 'desk' ? 'desk_phone' : 'softphone' }, CLI_ACTOR);
      devices[which] = { username: d.device.sipUsername, password: d.sipPassword };
    }
  });
  afterAll(async () => {
    for (const x of closers) x.close();
    await sotto?.stop();
    await rt?.close();
  });

  const sdpLines = (body: string): string[] => body.split(/\r?\n/).filter((l) => /^[oc]=/.test(l));
  const addressed = (address: string): unknown[] => [expect.stringMatching(new RegExp(`^o=sotto \\d+ \\d+ IN IP4 ${address.replace(/\./g, '\\.')}$`)), `c=IN IP4 ${address}`];
  const received = (run: SippRunResult, first: RegExp, nth = 0): TracedSipMessage => {
    const m = run.messages.filter((x) => x.direction === 'received' && first.test(x.firstLine))[nth];
    if (!m) throw new Error(`sipp never received ${first} (#${nth + 1})\n${describeSippRun(run)}`);
    return m;
  };

  it('each phone is offered the relay address facing it; the one on the other network answers, holds, and audio crosses both ways', async () => {
    const sipPort = sotto.sip.ports.udp;
    const deskPort = await freeSipPort();
    const softPort = await freeSipPort();
    const desk = { target: `127.0.0.1:${sipPort}`, ...devices['desk']!, domain: DOMAIN, localPort: deskPort, extraArgs: [] as string[] };
    // The softphone reaches Sotto on the other network, from its own address there.
    const soft = { target: `${other}:${sipPort}`, ...devices['soft']!, domain: DOMAIN, localPort: softPort, extraArgs: ['-i', other] };
    for (const phone of [desk, soft]) {
      const reg = await runSipp({ scenario: REGISTER_DEVICE, ...phone, extraArgs: [...phone.extraArgs, '-key', 'aor', '102'] });
      expect(reg.ok, describeSippRun(reg)).toBe(true);
    }

    const deskRun = runSipp({ scenario: 'callee-ring', ...desk, timeoutMs: 30_000 });
    const softRun = runSipp({ scenario: 'callee-answer-reinvite', ...soft, timeoutMs: 30_000, extraArgs: ['-i', other, '-mi', other, '-mp', String(SIPP_MEDIA_PORT), '-rtp_echo'] });
    await udpBound(deskPort);
    await udpBound(softPort);

    const a = await CallPhone.open({ server: { host: '127.0.0.1', port: sipPort }, domain: DOMAIN, username: devices['101']!.username, password: devices['101']!.password, transport: 'UDP' });
    const ma = await FakePhone.open();
    closers.push(a, ma);
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    expect(ok.status).toBe(200);
    call.ack2xx(ok);
    // The caller is on loopback: its answer names the relay there.
    expect(sdpLines(ok.body.toString('utf8'))).toEqual(addressed('127.0.0.1'));
    expect(ma.takeAnswer(ok.body.toString('utf8')).remoteAddress).toBe('127.0.0.1');

    // Audio from the caller reaches the softphone through the relay, and its echo comes back through it.
    const payload = Buffer.alloc(160, 0x55);
    const tick = setInterval(() => ma.sendPacket(ma.packetizer!.next(payload, 160)), 20);
    try {
      await ma.until(() => ma.received.some((p) => p.packet.payload.equals(payload)));
    } finally {
      clearInterval(tick);
    }
    const echoed = ma.received.find((p) => p.packet.payload.equals(payload))!;
    expect(echoed.from.address).toBe('127.0.0.1');

    // Hold: the re-INVITE to the softphone names the relay on its network too.
    const hold = await call.reInvite(ma.offer({ codecs: ['PCMU'], direction: 'sendonly' }));
    expect(hold.status).toBe(200);
    expect(sdpLines(hold.body.toString('utf8'))).toEqual(addressed('127.0.0.1'));
    call.bye();
    await a.waitResponse('BYE');

    const [deskDone, softDone] = await Promise.all([deskRun, softRun]);
    expect(deskDone.flow, describeSippRun(deskDone)).toEqual(['< INVITE', '> 180', '< CANCEL', '> 200', '> 487', '< ACK']);
    expect(softDone.flow, describeSippRun(softDone)).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< INVITE', '> 200', '< ACK', '< BYE', '> 200']);
    const deskInvite = sdpLines(received(deskDone, /^INVITE /).body);
    const softInvite = sdpLines(received(softDone, /^INVITE /).body);
    const softReInvite = sdpLines(received(softDone, /^INVITE /, 1).body);
    expect(deskInvite).toEqual(addressed('127.0.0.1'));
    expect(softInvite).toEqual(addressed(other));
    expect(softReInvite).toEqual(addressed(other));
    // Both branches are one relay leg: the same port, whatever the address.
    const mLine = (m: TracedSipMessage): string | undefined => m.body.split(/\r?\n/).find((l) => l.startsWith('m=audio '));
    expect(mLine(received(softDone, /^INVITE /))).toBe(mLine(received(deskDone, /^INVITE /)));
  });
});
