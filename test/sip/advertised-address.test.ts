// What a phone is told about where Sotto is: the Via sent-by, the Contact
// (where its ACK and BYE go) and the SDP c=/o= lines (where its audio goes),
// on a server listening on all interfaces (SOTTO_BIND=0.0.0.0):
//   - with SOTTO_SIP_ADVERTISE (and SOTTO_RTP_ADVERTISE), those addresses,
//     as a multi-homed server or one behind a 1:1 NAT needs;
//   - without, the address of the interface facing the phone (loopback for
//     these phones). Before, it was this machine's first non-loopback
//     address whatever the phone's network: a phone on another network got
//     a Contact and a c= line it had no route to.
// sipp (a real phone) registers, takes a call and checks nothing itself:
// the test reads the INVITE and the 200 OK off sipp's own trace. Then a
// call between two test phones shows the audio reaching the relay at the
// advertised address and crossing it.
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
import { CallPhone } from '../calls/call-phone.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { describeSippRun, freeSipPort, headerValue, runSipp, udpBound, type SippRunResult, type TracedSipMessage } from '../support/sip-peers.ts';

const DOMAIN = 'pbx.advertise.test';

interface Case {
  readonly name: string;
  readonly env: Record<string, string>;
  /** RTP ports of this case, inside this file's 48100-48159. */
  readonly rtp: string;
  readonly sip: string;
  readonly media: string;
}

const CASES: Case[] = [
  { name: 'SOTTO_SIP_ADVERTISE=127.0.0.2 and SOTTO_RTP_ADVERTISE=127.0.0.3', env: { SOTTO_SIP_ADVERTISE: '127.0.0.2', SOTTO_RTP_ADVERTISE: '127.0.0.3' }, rtp: '48100-48119', sip: '127.0.0.2', media: '127.0.0.3' },
  { name: 'SOTTO_SIP_ADVERTISE=127.0.0.2 alone (media follows it)', env: { SOTTO_SIP_ADVERTISE: '127.0.0.2' }, rtp: '48120-48139', sip: '127.0.0.2', media: '127.0.0.2' },
  { name: 'no advertised address: the interface facing the phone', env: {}, rtp: '48140-48159', sip: '127.0.0.1', media: '127.0.0.1' },
];

describe.each(CASES)('SOTTO_BIND=0.0.0.0, $name', { timeout: 60_000 }, (c) => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-advertise-'));
  let rt: Runtime;
  let sotto: RunningSotto;
  const passwords: Record<string, string> = {};
  const closers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '0.0.0.0', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: c.rtp, ...c.env });
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    sotto = await startServer(rt);
    const practice = await createPractice(rt.database.db, { name: 'Advertise Clinic', tier: 'pro', sipDomain: DOMAIN });
    // 103 has no phone: its calls go to voicemail, which Sotto answers itself.
    for (const ext of ['101', '102', '103']) {
      const { user } = await addUser(rt.database.db, practice.id, { email: `u${ext}@advertise.example`, displayName: `U${ext}`, role: 'staff', extension: ext }, CLI_ACTOR);
      passwords[ext] = (await addDevice(rt.database.db, practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR)).sipPassword;
    }
  });
  afterAll(async () => {
    for (const x of closers) x.close();
    await sotto?.stop();
    await rt?.close();
  });

  const sdpLines = (body: string): string[] => body.split(/\r?\n/).filter((l) => /^[oc]=/.test(l));
  const received = (run: SippRunResult, first: RegExp): TracedSipMessage => {
    const m = run.messages.find((x) => x.direction === 'received' && first.test(x.firstLine));
    if (!m) throw new Error(`sipp never received ${first}\n${describeSippRun(run)}`);
    return m;
  };

  it('a sipp phone is called with these addresses in Via, Contact and SDP, and answers', async () => {
    const target = `127.0.0.1:${sotto.sip.ports.udp}`;
    const port = await freeSipPort();
    const callee = { username: '102', password: passwords['102']!, domain: DOMAIN };
    const caller = { username: '101', password: passwords['101']!, domain: DOMAIN };
    const reg = await runSipp({ scenario: 'register-auth', target, ...callee, localPort: port });
    expect(reg.ok, describeSippRun(reg)).toBe(true);
    const calleeRun = runSipp({ scenario: 'callee-answer', target, ...callee, localPort: port });
    await udpBound(port);
    const callerRun = await runSipp({ scenario: 'call-bye', target, ...caller, extraArgs: ['-key', 'callee', '102', '-auth_uri', `102@${DOMAIN}`] });
    const calleeDone = await calleeRun;
    expect(callerRun.flow.filter((l) => l !== '< 100'), describeSippRun(callerRun)).toEqual(['> INVITE', '< 407', '> ACK', '> INVITE', '< 180', '< 200', '> ACK', '> BYE', '< 200']);
    expect(calleeDone.flow, describeSippRun(calleeDone)).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);

    const invite = received(calleeDone, /^INVITE /);
    expect(headerValue(invite, 'Via')).toMatch(new RegExp(`^SIP/2\\.0/UDP ${c.sip.replace(/\./g, '\\.')}:${sotto.sip.ports.udp};branch=z9hG4bK[^;]+;rport$`));
    expect(headerValue(invite, 'Contact')).toBe(`<sip:${c.sip}:${sotto.sip.ports.udp}>`);
    expect(sdpLines(invite.body)).toEqual([expect.stringMatching(new RegExp(`^o=sotto \\d+ \\d+ IN IP4 ${c.media.replace(/\./g, '\\.')}$`)), `c=IN IP4 ${c.media}`]);

    const ok = received(callerRun, /^SIP\/2\.0 200 /);
    expect(headerValue(ok, 'Contact')).toBe(`<sip:${c.sip}:${sotto.sip.ports.udp}>`);
    expect(sdpLines(ok.body)).toEqual([expect.stringMatching(new RegExp(`^o=sotto \\d+ \\d+ IN IP4 ${c.media.replace(/\./g, '\\.')}$`)), `c=IN IP4 ${c.media}`]);
    // The BYE sipp sent (to Sotto) and the one sipp's callee got (from Sotto) carry our Via too.
    expect(headerValue(received(calleeDone, /^BYE /), 'Via')).toMatch(new RegExp(`^SIP/2\\.0/UDP ${c.sip.replace(/\./g, '\\.')}:`));
    await runSipp({ scenario: 'unregister', target, ...callee, localPort: port });
  });

  it("the caller's audio goes to the SDP address, reaches the relay and comes out at the callee", async () => {
    const server = { host: '127.0.0.1', port: sotto.sip.ports.udp };
    const a = await CallPhone.open({ server, domain: DOMAIN, username: '101', password: passwords['101']!, transport: 'UDP' });
    const b = await CallPhone.open({ server, domain: DOMAIN, username: '102', password: passwords['102']!, transport: 'UDP' });
    const ma = await FakePhone.open();
    const mb = await FakePhone.open();
    closers.push(a, b, ma, mb);
    expect((await b.register()).status).toBe(200);
    b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
    const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    await b.waitRequest('ACK');
    const audio = ma.takeAnswer(ok.body.toString('utf8'));
    expect(audio.remoteAddress).toBe(c.media);
    expect(mb.negotiated?.remoteAddress).toBe(c.media);
    // Until the relay has one packet from the callee it cannot latch that leg; both send, as phones do.
    const payload = Buffer.alloc(160, 0x55);
    const tick = setInterval(() => {
      ma.sendPacket(ma.packetizer!.next(payload, 160));
      mb.sendPacket(mb.packetizer!.next(Buffer.alloc(160, 0xff), 160));
    }, 20);
    try {
      await mb.until(() => mb.received.some((p) => p.packet.payload.equals(payload)));
    } finally {
      clearInterval(tick);
    }
    call.bye();
    await a.waitResponse('BYE');
  });

  it("voicemail answers with the address facing the caller's signalling, not its SDP's (a phone behind a NAT)", async () => {
    const server = { host: '127.0.0.1', port: sotto.sip.ports.udp };
    const a = await CallPhone.open({ server, domain: DOMAIN, username: '101', password: passwords['101']!, transport: 'UDP' });
    const ma = await FakePhone.open();
    closers.push(a, ma);
    // The phone's private address as its NAT leaves it in the SDP: nothing this server has a route to but the default one.
    const natted = ma.offer({ codecs: ['PCMU'] }).replace(/^c=IN IP4 .*$/m, 'c=IN IP4 203.0.113.5');
    const call = await a.call('103', natted);
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    expect(sdpLines(ok.body.toString('utf8'))).toEqual([expect.stringMatching(new RegExp(`^o=sotto \\d+ \\d+ IN IP4 ${c.media.replace(/\./g, '\\.')}$`)), `c=IN IP4 ${c.media}`]);
    call.bye();
    await a.waitResponse('BYE');
  });
});
