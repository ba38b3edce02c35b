// MWI subscriptions across a restart of Sotto (graceful, and a crash where
// the MWI shutdown never runs): a phone that subscribed before still holds
// its subscription active, so a voicemail left after the restart must light
// its lamp in the same dialog (same Call-ID and tags, a higher CSeq), not an
// hour later when the phone happens to re-subscribe. An unsubscribed one,
// and one whose time ran out during the downtime, do not come back.
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
import { getCallId, getCSeq, getFrom, getTo, type SipRequest } from '../../src/sip/message/index.ts';
import { MwiPhone } from './mwi-phone.ts';

const DOMAIN = 'pbx.mwi-restart.test';

/** A message store as MWI sees it (counts per box, change notices); it outlives each Sotto, as the database does. */
class CountingMailbox {
  private readonly byBox = new Map<string, { newMessages: number; oldMessages: number }>();
  private listeners = new Set<(boxId: string) => void>();
  counts(boxId: string) {
    return Promise.resolve(this.byBox.get(boxId) ?? { newMessages: 0, oldMessages: 0 });
  }
  onChange(l: (boxId: string) => void) {
    this.listeners.add(l);
    return () => this.listeners.delete(l);
  }
  set(boxId: string, newMessages: number, oldMessages: number): void {
    this.byBox.set(boxId, { newMessages, oldMessages });
    for (const l of this.listeners) l(boxId);
  }
}

const dialogOf = (n: SipRequest) => ({ callId: getCallId(n), fromTag: getFrom(n)?.tag, toTag: getTo(n)?.tag });
const seqOf = (n: SipRequest) => getCSeq(n)!.seq;
const body = (n: SipRequest) => n.body.toString('latin1');

describe('MWI subscriptions survive a restart', { timeout: 90_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-mwi-restart-'));
  const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '44800-44899' });
  const mailbox = new CountingMailbox();
  const passwords: Record<string, string> = {};
  const boxes: Record<string, string> = {};
  const phones: MwiPhone[] = [];
  let rt: Runtime | undefined;
  let sotto: RunningSotto | undefined;

  const open = async (beforeStart?: (rt: Runtime) => Promise<void>) => {
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    await beforeStart?.(rt);
    sotto = await startServer(rt);
    sotto.sip.mwi.useMailbox(mailbox);
    // A restarted Sotto listens on a new port here (port 0); a phone's replies follow it as they would the same port.
    for (const p of phones) p.o.server.port = sotto.sip.ports.udp;
  };
  const stop = async () => {
    await sotto?.stop();
    await rt?.close();
    sotto = undefined;
    rt = undefined;
  };
  const phone = async (ext: string) => {
    const p = await MwiPhone.open({ server: { host: '127.0.0.1', port: sotto!.sip.ports.udp }, domain: DOMAIN, username: ext, password: passwords[ext]! });
    phones.push(p);
    return p;
  };
  const notifyWith = async (p: MwiPhone, text: string) => {
    await p.until(() => p.notifies.some((n) => body(n).includes(text)), `a NOTIFY with ${text}`);
    return p.notifies.find((n) => body(n).includes(text))!;
  };

  beforeAll(async () => {
    await open();
    const practice = await createPractice(rt!.database.db, { name: 'Restart Clinic', tier: 'pro', sipDomain: DOMAIN });
    for (const ext of ['101', '102', '103', '104']) {
      const { user } = await addUser(rt!.database.db, practice.id, { email: `u${ext}@mwi-restart.example`, displayName: `U${ext}`, role: 'staff', extension: ext }, CLI_ACTOR);
      passwords[ext] = (await addDevice(rt!.database.db, practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR)).sipPassword;
    }
    for (const e of await listExtensions(rt!.database.db, practice.id)) boxes[e.number] = e.voicemailBoxId!;
  });
  afterAll(async () => {
    for (const p of phones) p.close();
    await stop();
  });

  it('after a graceful restart, a new voicemail lights the lamp in the original dialog; expired and unsubscribed ones stay gone', async () => {
    const kept = await phone('101');
    expect((await kept.subscribe(3600)).status).toBe(200);
    await kept.notifyNumber(1);
    mailbox.set(boxes['101']!, 0, 1);
    const before = await notifyWith(kept, 'Voice-Message: 0/1 (0/0)');

    const expiring = await phone('103');
    expect((await expiring.subscribe(3600)).status).toBe(200);
    await expiring.notifyNumber(1);

    const gone = await phone('104');
    expect((await gone.subscribe(3600)).status).toBe(200);
    await gone.notifyNumber(1);
    expect((await gone.subscribe(0)).status).toBe(200);
    await gone.notifyNumber(2);

    await stop();
    // 103's hour ran out while Sotto was down (the row's expiry moved into the past).
    const device103 = async (r: Runtime) => (await r.database.db.selectFrom('devices').select('id').where('sip_username', '=', '103').executeTakeFirstOrThrow()).id;
    await open(async (r) => {
      await r.database.db.updateTable('mwi_subscriptions').set({ expires_at: Date.now() - 1000 }).where('device_id', '=', await device103(r)).execute();
    });

    expect(sotto!.sip.mwi.subscriptions).toBe(1);
    const seen = kept.notifies.length;
    mailbox.set(boxes['101']!, 1, 1);
    const after = await notifyWith(kept, 'Voice-Message: 1/1 (0/0)');
    expect(kept.notifies.length).toBeGreaterThan(seen);
    expect(dialogOf(after)).toEqual(dialogOf(before));
    // Our tag in the NOTIFY (From) is the To tag of our 200 to the SUBSCRIBE.
    expect(dialogOf(after).fromTag).toBe(kept.toTag);
    expect(seqOf(after)).toBeGreaterThan(Math.max(...kept.notifies.slice(0, seen).map(seqOf)));
    expect(body(after)).toBe(`Messages-Waiting: yes\r\nMessage-Account: sip:101@${DOMAIN}\r\nVoice-Message: 1/1 (0/0)\r\n`);
    expect(after.headers.find((h) => h.name === 'Subscription-State')!.value).toMatch(/^active;expires=\d+$/);

    // The phone's refresh in the old dialog is a refresh, not a 481.
    expect((await kept.subscribe(3600)).status).toBe(200);
    // The expired and the unsubscribed dialogs are unknown: their refresh gets 481 (RFC 6665 4.1.2.2: subscribe anew).
    expect((await expiring.subscribe(3600)).status).toBe(481);
    expect((await gone.subscribe(3600)).status).toBe(481);
    mailbox.set(boxes['104']!, 2, 0);
    expect(await sotto!.sip.mwi.boxChanged(boxes['104']!)).toBe(0);
  });

  it('after a crash (no MWI shutdown at all), the next NOTIFY still goes in the same dialog with a higher CSeq', async () => {
    const p = await phone('102');
    expect((await p.subscribe(3600)).status).toBe(200);
    await p.notifyNumber(1);
    for (let i = 1; i <= 3; i++) {
      mailbox.set(boxes['102']!, i, 0);
      await notifyWith(p, `Voice-Message: ${i}/0 (0/0)`);
    }
    const lastBefore = p.notifies.at(-1)!;
    const seen = p.notifies.length;

    // A crash: the process ends without MWI's shutdown, so nothing is written or cleared on the way out.
    // (Here the old notifier is left as it was; its transports close with the rest of the server.)
    const crashed = sotto!.sip.mwi;
    const shutdown = crashed.close.bind(crashed);
    crashed.close = () => Promise.resolve();
    await stop();
    await open();
    await shutdown();

    mailbox.set(boxes['102']!, 7, 0);
    const after = await notifyWith(p, 'Voice-Message: 7/0 (0/0)');
    expect(dialogOf(after)).toEqual(dialogOf(lastBefore));
    expect(seqOf(after)).toBeGreaterThan(Math.max(...p.notifies.slice(0, seen).map(seqOf)));
    expect(body(after)).toContain('Messages-Waiting: yes\r\n');
  });

  it("a disabled device loses its restored subscription: a final NOTIFY in the old dialog (reason rejected), and its row goes", async () => {
    // 101 subscribed two Sottos ago; it came back after the crash too.
    const p = phones.find((x) => x.o.username === '101')!;
    const db = rt!.database.db;
    const deviceId = (await db.selectFrom('devices').select('id').where('sip_username', '=', '101').executeTakeFirstOrThrow()).id;
    const seen = p.notifies.length;
    await sotto!.sip.removeDeviceBindings([deviceId]);
    await p.until(() => p.notifies.length > seen && p.notifies.some((n) => n.headers.some((h) => h.name === 'Subscription-State' && h.value.startsWith('terminated'))), 'the final NOTIFY');
    const last = p.notifies.at(-1)!;
    expect(last.headers.find((h) => h.name === 'Subscription-State')!.value).toBe('terminated;reason=rejected');
    expect(dialogOf(last).fromTag).toBe(p.toTag);
    await expect.poll(async () => (await db.selectFrom('mwi_subscriptions').select('call_id').where('device_id', '=', deviceId).execute()).length).toBe(0);
  });
});
