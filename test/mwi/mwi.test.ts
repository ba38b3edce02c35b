// The message-waiting indicator through a running Sotto (`startServer`:
// real database, digest credentials, the SIP stack wired by sip-service):
// a phone subscribes to its box, sees the lamp state at once, sees it
// change when the box changes, and is refused another extension's box.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice, disableDevice, listExtensions } from '../../src/directory/index.ts';
import { serializeMessage, type SipRequest } from '../../src/sip/message/index.ts';
import { MwiPhone } from './mwi-phone.ts';

const DOMAIN = 'pbx.mwi.test';

/** A message store as MWI sees it: counts per box, and change notices. */
class CountingMailbox {
  readonly counts_ = new Map<string, { newMessages: number; oldMessages: number }>();
  private listeners = new Set<(boxId: string) => void>();
  counts(boxId: string) {
    return Promise.resolve(this.counts_.get(boxId) ?? { newMessages: 0, oldMessages: 0 });
  }
  onChange(l: (boxId: string) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(boxId: string, newMessages: number, oldMessages: number): void {
    this.counts_.set(boxId, { newMessages, oldMessages });
    for (const l of this.listeners) l(boxId);
  }
}

/** The NOTIFY as it went on the wire, with the per-message random values (branch, tag) blanked. */
function wire(n: SipRequest): string {
  return serializeMessage(n)
    .toString('latin1')
    .replace(/branch=z9hG4bK[0-9a-f]+/, 'branch=z9hG4bK*')
    .replace(/^From: (.*);tag=[0-9a-f]+/m, 'From: $1;tag=*');
}

describe('MWI through a running Sotto', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-mwi-'));
  let rt: Runtime;
  let sotto: RunningSotto;
  const mailbox = new CountingMailbox();
  const passwords: Record<string, string> = {};
  const boxes: Record<string, string> = {};
  const phones: MwiPhone[] = [];
  let practiceId = '';

  beforeAll(async () => {
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '44400-44499' });
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    sotto = await startServer(rt);
    sotto.sip.mwi.useMailbox(mailbox);
    const practice = await createPractice(rt.database.db, { name: 'Lamp Clinic', tier: 'pro', sipDomain: DOMAIN });
    practiceId = practice.id;
    for (const ext of ['101', '102']) {
      const { user } = await addUser(rt.database.db, practice.id, { email: `u${ext}@mwi.example`, displayName: `U${ext}`, role: 'staff', extension: ext }, CLI_ACTOR);
      passwords[ext] = (await addDevice(rt.database.db, practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR)).sipPassword;
    }
    for (const e of await listExtensions(rt.database.db, practice.id)) boxes[e.number] = e.voicemailBoxId!;
  });
  afterAll(async () => {
    for (const p of phones) p.close();
    await sotto?.stop();
    await rt?.close();
  });

  const phone = async (ext: string) => {
    const p = await MwiPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: ext, password: passwords[ext]! });
    phones.push(p);
    return p;
  };

  it('NOTIFIES the box state on subscribe and again whenever the box changes, then ends on unsubscribe', async () => {
    const p = await phone('101');
    const ok = await p.subscribe(600);
    expect(ok.status).toBe(200);
    const first = await p.notifyNumber(1);
    const head = (n: SipRequest, seq: number, state: string, body: string) =>
      [
        `NOTIFY sip:101@${p.local} SIP/2.0`,
        `Via: SIP/2.0/UDP 127.0.0.1:${sotto.sip.ports.udp};branch=z9hG4bK*;rport`,
        'Max-Forwards: 70',
        `From: <sip:101@${DOMAIN}>;tag=*`,
        `To: <sip:101@${DOMAIN}>;tag=${/tag=([0-9a-f]+)/.exec(n.headers.find((h) => h.name === 'To')!.value)![1]}`,
        `Call-ID: ${n.headers.find((h) => h.name === 'Call-ID')!.value}`,
        `CSeq: ${seq} NOTIFY`,
        'Event: message-summary',
        `Subscription-State: ${state}`,
        `Contact: <sip:127.0.0.1:${sotto.sip.ports.udp}>`,
        'Content-Type: application/simple-message-summary',
        `Content-Length: ${Buffer.byteLength(body)}`,
        '',
        body,
      ].join('\r\n');
    const empty = `Messages-Waiting: no\r\nMessage-Account: sip:101@${DOMAIN}\r\nVoice-Message: 0/0 (0/0)\r\n`;
    expect(wire(first)).toBe(head(first, 1, 'active;expires=600', empty));

    mailbox.set(boxes['101']!, 1, 0);
    const second = await p.notifyNumber(2);
    expect(second.body.toString('latin1')).toBe(`Messages-Waiting: yes\r\nMessage-Account: sip:101@${DOMAIN}\r\nVoice-Message: 1/0 (0/0)\r\n`);
    expect(wire(second)).toContain('CSeq: 2 NOTIFY');

    // A change to another box tells nobody here.
    mailbox.set(boxes['102']!, 4, 0);
    mailbox.set(boxes['101']!, 0, 1);
    const third = await p.notifyNumber(3);
    expect(third.body.toString('latin1')).toBe(`Messages-Waiting: no\r\nMessage-Account: sip:101@${DOMAIN}\r\nVoice-Message: 0/1 (0/0)\r\n`);

    // Refresh inside the dialog: 200, and the state again.
    expect((await p.subscribe(600)).status).toBe(200);
    expect((await p.notifyNumber(4)).body.toString('latin1')).toContain('Voice-Message: 0/1 (0/0)');

    // Unsubscribe: a final NOTIFY, terminated.
    expect((await p.subscribe(0)).status).toBe(200);
    const last = await p.notifyNumber(5);
    expect(wire(last)).toContain('Subscription-State: terminated;reason=timeout\r\n');
    expect(sotto.sip.mwi.subscriptions).toBe(0);
  });

  it('retransmits a NOTIFY the phone did not answer (RFC 3261 17.1.2 Timer E), over UDP', async () => {
    const p = await phone('102');
    p.dropNotifies = 1;
    expect((await p.subscribe(600)).status).toBe(200);
    await p.until(() => p.notifyCopies >= 2, 'the retransmitted NOTIFY');
    expect(p.notifies).toHaveLength(1);
    // Answered the second time: the subscription lives on and hears the next change.
    mailbox.set(boxes['102']!, 3, 0);
    expect((await p.notifyNumber(2)).body.toString('latin1')).toContain('Voice-Message: 3/0 (0/0)');
    expect((await p.subscribe(0)).status).toBe(200);
    await p.notifyNumber(3);
  });

  it("refuses another extension's box with 403", async () => {
    const p = await phone('102');
    const res = await p.subscribe(600, '101');
    expect(res.status).toBe(403);
    expect(p.notifies).toHaveLength(0);
  });

  it('challenges an unauthenticated SUBSCRIBE with 401 WWW-Authenticate', async () => {
    const p = await MwiPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '101', password: 'wrong-password' });
    phones.push(p);
    const res = await p.subscribe(600);
    expect(res.status).toBe(401);
    expect(p.responses[0]!.status).toBe(401);
    expect(p.responses[0]!.headers.some((h) => h.name.toLowerCase() === 'www-authenticate')).toBe(true);
  });

  it("ends a disabled device's subscription with a final NOTIFY (reason rejected)", async () => {
    const p = await phone('101');
    expect((await p.subscribe(600)).status).toBe(200);
    await p.notifyNumber(1);
    const devices = await rt.database.db.selectFrom('devices').select('id').where('sip_username', '=', '101').execute();
    await sotto.sip.removeDeviceBindings(devices.map((d) => d.id));
    const last = await p.notifyNumber(2);
    expect(wire(last)).toContain('Subscription-State: terminated;reason=rejected\r\n');
  });

  it('authenticates refreshes: a device disabled outside this process (the CLI) cannot keep its lamp subscription', async () => {
    const { user } = await addUser(rt.database.db, practiceId, { email: 'u103@mwi.example', displayName: 'U103', role: 'staff', extension: '103' }, CLI_ACTOR);
    const added = await addDevice(rt.database.db, practiceId, user.id, { kind: 'desk_phone' }, CLI_ACTOR);
    passwords['103'] = added.sipPassword;
    const p = await phone('103');
    expect((await p.subscribe(600)).status).toBe(200);
    await p.notifyNumber(1);
    // What `sotto user disable` does from another process: the database only, no in-process hook.
    await disableDevice(rt.database.db, practiceId, added.device.id, CLI_ACTOR);
    // Refused once the server's short credential cache has let the old answer go.
    await expect.poll(async () => (await p.subscribe(600)).status, { timeout: 15_000, interval: 500 }).toBe(401);
  });

  it('refuses with 406 a SUBSCRIBE whose Accept rules out message-summary bodies (RFC 6665 4.2.1.1)', async () => {
    const p = await phone('102');
    const res = await p.subscribe(600, '102', { accept: 'application/pidf+xml' });
    expect(res.status).toBe(406);
    expect(p.notifies).toHaveLength(0);
    // A range that covers the type is fine.
    expect((await p.subscribe(600, '102', { accept: 'application/*' })).status).toBe(200);
    await p.notifyNumber(1);
    expect((await p.subscribe(0)).status).toBe(200);
  });

  it('challenges an unsubscribe as it does a refresh: without credentials the lamp stays subscribed', async () => {
    const p = await phone('101');
    expect((await p.subscribe(600)).status).toBe(200);
    await p.notifyNumber(1);
    const before = sotto.sip.mwi.subscriptions;
    // Someone who saw the dialog's Call-ID and tags go by, without the phone's password.
    const res = await p.subscribe(0, '101', { challenge: 'stop' });
    expect(res.status).toBe(401);
    expect(res.headers.some((h) => h.name.toLowerCase() === 'www-authenticate')).toBe(true);
    expect(sotto.sip.mwi.subscriptions).toBe(before);
    mailbox.set(boxes['101']!, 2, 0);
    expect((await p.notifyNumber(2)).body.toString('latin1')).toContain('Voice-Message: 2/0 (0/0)');
    // The phone itself (credentials) ends it: a final NOTIFY.
    expect((await p.subscribe(0)).status).toBe(200);
    expect(wire(await p.notifyNumber(3))).toContain('Subscription-State: terminated;reason=timeout\r\n');
    expect(sotto.sip.mwi.subscriptions).toBe(before - 1);
  });

  it("refuses another phone, with credentials of its own, ending or refreshing a phone's subscription (403)", async () => {
    const owner = await phone('101');
    expect((await owner.subscribe(600)).status).toBe(200);
    await owner.notifyNumber(1);
    const before = sotto.sip.mwi.subscriptions;
    // Extension 102's phone, which saw 101's dialog ids go by, answers the challenge with its own password.
    const other = await phone('102');
    other.callId = owner.callId;
    other.fromTag = owner.fromTag;
    other.toTag = owner.toTag;
    expect((await other.subscribe(0, '101')).status).toBe(403);
    expect((await other.subscribe(600, '101')).status).toBe(403);
    expect(sotto.sip.mwi.subscriptions).toBe(before);
    mailbox.set(boxes['101']!, 3, 0);
    expect((await owner.notifyNumber(2)).body.toString('latin1')).toContain('Voice-Message: 3/0 (0/0)');
    expect((await owner.subscribe(0)).status).toBe(200);
  });

  it('ends the subscription when the phone answers a NOTIFY with 481', async () => {
    const p = await phone('102');
    expect((await p.subscribe(600)).status).toBe(200);
    await p.notifyNumber(1);
    const ended = new Promise<unknown>((resolve) => sotto.sip.mwi.onSubscriptionEnded((boxId, end) => boxId === boxes['102'] && resolve(end)));
    p.notifyAnswer = 481;
    mailbox.set(boxes['102']!, 5, 0);
    await p.notifyNumber(2);
    expect(await ended).toEqual({ kind: 'notify-failed', status: 481 });
    mailbox.set(boxes['102']!, 6, 0);
    expect(await sotto.sip.mwi.boxChanged(boxes['102']!)).toBe(0);
  });
});
