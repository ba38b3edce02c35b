// What a phone or a test tool sees when it sends Sotto a request Sotto must
// refuse or handle by the letter of RFC 3261 8.2 (a running Sotto over real
// UDP, as `npm start` runs it): Require it does not support (420), bodies
// it cannot read (415), Max-Forwards, the Allow it advertises against what
// it answers, a caller hanging up in the early dialog, a malformed
// Contact expires.
import { randomBytes } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { gzipSync } from 'node:zlib';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice } from '../../src/directory/index.ts';
import { getCallId, getHeader, getHeaderList, type SipMessage, type SipResponse } from '../../src/sip/message/index.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { CallPhone } from '../calls/call-phone.ts';
import { UdpPhone } from '../support/sip-phone.ts';

const DOMAIN = 'pbx.checks.test';
/** Everything Sotto answers, and nothing it does not: the Allow of OPTIONS, 405, 501, INVITE and 2xx alike. */
const ALLOW = 'INVITE, ACK, CANCEL, BYE, OPTIONS, REGISTER, SUBSCRIBE, INFO, UPDATE';
const CALLER_SETUP = ['> INVITE', '< 407', '> ACK', '> INVITE'];

describe('request checks of a running Sotto (RFC 3261 8.2)', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-checks-'));
  let rt: Runtime;
  let sotto: RunningSotto;
  let practiceId = '';
  const passwords: Record<string, string> = {};
  const devices: Record<string, string> = {};
  const closers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '49100-49199' });
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    sotto = await startServer(rt);
    const practice = await createPractice(rt.database.db, { name: 'Checks Clinic', tier: 'pro', sipDomain: DOMAIN });
    practiceId = practice.id;
    for (const ext of ['101', '102']) {
      const { user } = await addUser(rt.database.db, practice.id, { email: `u${ext}@checks.example`, displayName: `U${ext}`, role: 'staff', extension: ext }, CLI_ACTOR);
      const added = await addDevice(rt.database.db, practice.id, user.id, { kind: 'softphone' }, CLI_ACTOR);
      passwords[ext] = added.sipPassword;
      devices[ext] = added.device.id;
    }
  });
  afterAll(async () => {
    for (const c of closers) c.close();
    await sotto?.stop();
    await rt?.close();
  });

  const phone = async (ext: string) => {
    const p = await CallPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: ext, password: passwords[ext]! });
    closers.push(p);
    return p;
  };
  const media = async () => {
    const m = await FakePhone.open();
    closers.push(m);
    return m;
  };
  /** 102 registered (its one phone: earlier tests' bindings removed), ringing for whoever calls; 101 to call it. */
  const callerAndCallee = async () => {
    await sotto.sip.removeDeviceBindings([devices['102']!]);
    const a = await phone('101');
    const b = await phone('102');
    expect((await b.register()).status).toBe(200);
    return { a, b };
  };

  /** One request from 101's phone outside any dialog, as a test tool writes it; resolves with its final response. */
  function send(p: CallPhone, method: string, o: { uri?: string; headers?: string[]; body?: string | Buffer; maxForwards?: number } = {}): Promise<SipResponse> {
    const callId = randomBytes(8).toString('hex');
    const uri = o.uri ?? `sip:${DOMAIN}`;
    const to = method === 'REGISTER' ? `<sip:101@${DOMAIN}>` : `<${uri}>`;
    p.sendRaw(
      [
        `${method} ${uri} SIP/2.0`,
        `${p.via};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
        `Max-Forwards: ${o.maxForwards ?? 70}`,
        `From: <sip:101@${DOMAIN}>;tag=${randomBytes(4).toString('hex')}`,
        `To: ${to}`,
        `Call-ID: ${callId}`,
        `CSeq: 1 ${method}`,
        `Contact: ${p.contact}`,
        ...(o.headers ?? []),
      ],
      o.body ?? '',
      method,
    );
    return p.waitFor((m: SipMessage) => m.kind === 'response' && m.status >= 200 && getCallId(m) === callId) as Promise<SipResponse>;
  }
  const header = (r: SipResponse, name: string) => getHeader(r.headers, name);

  describe('Require and Proxy-Require: 420 Bad Extension naming what Sotto lacks (RFC 3261 8.2.2.3)', () => {
    it.each([
      ['foo', [], 'foo'],
      // RFC 3327 5.3: a registrar without Path support refuses Require: path rather than bind a contact it would reach wrongly.
      ['path', ['Path: <sip:edge.example.test;lr>'], 'path'],
      // RFC 5626: no outbound flows here.
      ['outbound', [], 'outbound'],
      ['path, foo', ['Path: <sip:edge.example.test;lr>'], 'path, foo'],
    ])('REGISTER with Require: %s', async (tags, extra, unsupported) => {
      const p = await phone('101');
      const r = await send(p, 'REGISTER', { headers: [`Require: ${tags}`, ...extra, 'Expires: 300'] });
      expect([r.status, r.reason, header(r, 'unsupported')]).toEqual([420, 'Bad Extension', unsupported]);
      expect(header(r, 'path')).toBeUndefined();
      expect(await sotto.sip.store.lookup(`${practiceId}:101`)).toEqual([]);
    });

    // RFC 3262 4 (100rel), RFC 4028 9 (timer): Sotto has neither, so a call that requires one is not rung.
    it.each(['100rel', 'timer', 'foo'])('INVITE with Require: %s is refused before any phone rings', async (tagName) => {
      const { a, b } = await callerAndCallee();
      const offer = (await media()).offer({ codecs: ['PCMU'] });
      const r = await send(a, 'INVITE', { uri: `sip:102@${DOMAIN}`, headers: [`Require: ${tagName}`, 'Content-Type: application/sdp'], body: offer });
      expect([r.status, header(r, 'unsupported')]).toEqual([420, tagName]);
      expect(b.flow).toEqual([]);
    });

    it('Proxy-Require on a request Sotto answers itself (REGISTER, INVITE)', async () => {
      const p = await phone('101');
      const reg = await send(p, 'REGISTER', { headers: ['Proxy-Require: sec-agree'] });
      expect([reg.status, header(reg, 'unsupported')]).toEqual([420, 'sec-agree']);
      const inv = await send(p, 'INVITE', { uri: `sip:102@${DOMAIN}`, headers: ['Proxy-Require: foo', 'Content-Type: application/sdp'], body: (await media()).offer({ codecs: ['PCMU'] }) });
      expect([inv.status, header(inv, 'unsupported')]).toEqual([420, 'foo']);
    });

    it('OPTIONS with Require gets 420 too; a plain one lists no option tag as supported', async () => {
      const p = await phone('101');
      const r = await send(p, 'OPTIONS', { headers: ['Require: foo'] });
      expect([r.status, header(r, 'unsupported')]).toEqual([420, 'foo']);
      const plain = await send(p, 'OPTIONS');
      expect(plain.status).toBe(200);
      expect(header(plain, 'supported')).toBeUndefined();
    });
  });

  describe('Allow: one list, and nothing in it answered 501 (RFC 3261 11.2, 20.5)', () => {
    it('OPTIONS and a 405 for an unknown method name the same methods', async () => {
      const p = await phone('101');
      const options = await send(p, 'OPTIONS');
      expect([options.status, header(options, 'allow'), header(options, 'accept')]).toEqual([200, ALLOW, 'application/sdp']);
      for (const method of ['MESSAGE', 'REFER', 'PRACK', 'NOTIFY', 'PUBLISH']) {
        const r = await send(p, method, { uri: `sip:102@${DOMAIN}` });
        expect([method, r.status, header(r, 'allow')]).toEqual([method, 405, ALLOW]);
      }
      // Listed, and only ever in a call: outside one there is no dialog for them (RFC 3261 12.2.2).
      for (const method of ['INFO', 'UPDATE']) {
        const r = await send(p, method, { uri: `sip:102@${DOMAIN}` });
        expect([method, r.status]).toEqual([method, 481]);
      }
    });

    it('inside a call: INFO and UPDATE are answered (not 501), OPTIONS 200 with that Allow; the INVITE and 200 carry it', async () => {
      const { a, b } = await callerAndCallee();
      const ma = await media();
      const mb = await media();
      b.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'] }) };
      const call = await a.call('102', ma.offer({ codecs: ['PCMU'] }));
      const ok = await a.waitResponse('INVITE', 200, 1);
      call.ack2xx(ok);
      await b.waitRequest('ACK');
      expect(header(ok, 'allow')).toBe(ALLOW);
      expect(getHeader(b.lastInvite!.headers, 'allow')).toBe(ALLOW);

      call.request('INFO', ['Content-Type: application/dtmf-relay'], 'Signal=5\r\nDuration=160\r\n');
      const info = await a.waitResponse('INFO');
      call.request('UPDATE', []);
      const update = await a.waitResponse('UPDATE');
      call.request('OPTIONS', []);
      const options = await a.waitResponse('OPTIONS');
      // The INFO reached 102's phone, which said 200; the refresh is Sotto's to answer, with its Contact (RFC 3311 5.2).
      expect(info.status).toBe(200);
      expect(b.received.some((m) => m.kind === 'request' && m.method === 'INFO')).toBe(true);
      expect([update.status, header(update, 'contact') !== undefined]).toEqual([200, true]);
      expect([options.status, header(options, 'allow')]).toEqual([200, ALLOW]);
      call.bye();
      await b.waitRequest('BYE');
    });
  });

  describe('Max-Forwards', () => {
    it('refuses a call at Max-Forwards 0 with 483, ringing nobody', async () => {
      const { a, b } = await callerAndCallee();
      const r = await send(a, 'INVITE', { uri: `sip:102@${DOMAIN}`, maxForwards: 0, headers: ['Content-Type: application/sdp'], body: (await media()).offer({ codecs: ['PCMU'] }) });
      expect([r.status, r.reason]).toEqual([483, 'Too Many Hops']);
      expect(b.flow).toEqual([]);
    });

    it("rings the callee with the caller's Max-Forwards less one (RFC 7332 3), not a fresh 70", async () => {
      const { a, b } = await callerAndCallee();
      const call = await a.call('102', (await media()).offer({ codecs: ['PCMU'] }), { maxForwards: 6 });
      await b.waitRequest('INVITE');
      expect(getHeader(b.lastInvite!.headers, 'max-forwards')).toBe('5');
      call.cancel();
      await a.waitResponse('INVITE', 300, 1).then((r) => call.ackNon2xx(r));
    });

    it('answers OPTIONS and REGISTER at Max-Forwards 0 (Sotto is their UAS, RFC 3261 11, 10.3)', async () => {
      const p = await phone('101');
      expect((await send(p, 'OPTIONS', { maxForwards: 0 })).status).toBe(200);
      const reg = await send(p, 'REGISTER', { maxForwards: 0, headers: ['Expires: 300'] });
      expect(reg.status).toBe(401);
      expect(header(reg, 'www-authenticate')).toMatch(/^Digest /);
    });
  });

  describe('bodies Sotto cannot read: 415 (RFC 3261 8.2.3)', () => {
    const invite = async (headers: string[], body: string | Buffer) => {
      const { a, b } = await callerAndCallee();
      const r = await send(a, 'INVITE', { uri: `sip:102@${DOMAIN}`, headers, body });
      expect(b.flow).toEqual([]);
      return r;
    };

    it('a text/plain or multipart/mixed body: 415 with Accept: application/sdp (not 488 "offer required")', async () => {
      const text = await invite(['Content-Type: text/plain'], 'hello');
      expect([text.status, header(text, 'accept'), header(text, 'warning')]).toEqual([415, 'application/sdp', undefined]);
      const sdp = (await media()).offer({ codecs: ['PCMU'] });
      const multipart = `--b1\r\nContent-Type: application/sdp\r\n\r\n${sdp}\r\n--b1--\r\n`;
      const mixed = await invite(['Content-Type: multipart/mixed;boundary=b1'], multipart);
      expect([mixed.status, header(mixed, 'accept')]).toEqual([415, 'application/sdp']);
    });

    it('a gzip-coded SDP: 415 with Accept-Encoding: identity', async () => {
      const sdp = (await media()).offer({ codecs: ['PCMU'] });
      const r = await invite(['Content-Type: application/sdp', 'Content-Encoding: gzip'], gzipSync(sdp));
      expect([r.status, header(r, 'accept-encoding')]).toEqual([415, 'identity']);
    });
  });

  it('a caller hanging up with BYE in the early dialog: 200, 487 to its INVITE, the callee cancelled, recorded as cancelled (RFC 3261 15)', async () => {
    const { a, b } = await callerAndCallee();
    const since = Date.now();
    const call = await a.call('102', (await media()).offer({ codecs: ['PCMU'] }));
    const ringing = await a.waitResponse('INVITE', 180, 1);
    expect(ringing.status).toBe(180);
    call.byeEarly(ringing);
    expect((await a.waitResponse('BYE')).status).toBe(200);
    const final = await a.waitResponse('INVITE', 300, 1);
    call.ackNon2xx(final);
    expect(final.status).toBe(487);
    await b.waitRequest('ACK');
    expect(a.flow).toEqual([...CALLER_SETUP, '< 180', '> BYE', '< 200', '< 487', '> ACK']);
    expect(b.flow).toEqual(['< INVITE', '> 180', '< CANCEL', '> 200', '> 487', '< ACK']);
    expect(sotto.sip.calls.activeCalls).toBe(0);
    const rows = () => rt.database.db.selectFrom('call_records').select(['caller_extension', 'callee_extension', 'outcome', 'answered_at']).where('started_at', '>=', since).execute();
    await expect.poll(rows, { timeout: 10_000, interval: 20 }).toEqual([{ caller_extension: '101', callee_extension: '102', outcome: 'cancelled', answered_at: null }]);
  });

  it('refuses a Contact expires that is not delta-seconds (expires=-5) with 400, binding nothing', async () => {
    const p = await UdpPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '101', password: passwords['101']! });
    closers.push(p);
    const { final } = await p.register({ contact: `<sip:101@127.0.0.1:${p.port}>;expires=-5` });
    expect(final.status).toBe(400);
    expect(await sotto.sip.store.lookup(`${practiceId}:101`)).toEqual([]);
    // The same phone with a valid interval binds as usual.
    const { final: ok } = await p.register({ contact: `<sip:101@127.0.0.1:${p.port}>;expires=120` });
    expect([ok.status, getHeaderList(ok.headers, 'contact')]).toEqual([200, [`<sip:101@127.0.0.1:${p.port}>;expires=120`]]);
  });
});
