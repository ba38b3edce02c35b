import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../../test/support/db.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice, disableDevice, listExtensions } from '../../directory/index.ts';
import { KyselyMwiSubscriptionStore, type StoredMwiSubscription } from './subscription-store.ts';

describe.each(DIALECTS)('MWI subscription store on %s', (dialect) => {
  let h: DatabaseHandle;
  let store: KyselyMwiSubscriptionStore;
  let practiceId = '';
  const devices: Record<string, string> = {};
  const boxes: Record<string, string> = {};
  const now = Date.parse('2026-11-28T10:00:00Z');
  const sub = (callId: string, ext: string, over: Partial<StoredMwiSubscription> = {}): StoredMwiSubscription => ({
    dialog: {
      callId,
      localTag: 'ours1',
      remoteTag: 'theirs1',
      localUri: `<sip:${ext}@mwi.example>`,
      remoteUri: `<sip:${ext}@mwi.example>`,
      remoteTarget: `sip:${ext}@192.0.2.10:5062;transport=udp`,
      routeSet: ['<sip:edge.example;lr>', '<sip:core.example;lr>'],
      remoteSeq: 3,
      localSeq: 200,
      destination: { protocol: 'UDP', address: '192.0.2.10', port: 5062 },
    },
    practiceId,
    deviceId: devices[ext]!,
    boxId: boxes[ext]!,
    account: `sip:${ext}@mwi.example`,
    eventId: undefined,
    // Epoch milliseconds pass 2^31: a bigint column, which PostgreSQL reads back as a string.
    expiresAt: now + 3_600_000,
    cseqReserved: 200,
    ...over,
  });

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    store = new KyselyMwiSubscriptionStore(h.db);
    const p = await createPractice(h.db, { name: 'P', tier: 'pro', sipDomain: `mwi-${dialect}.example` });
    practiceId = p.id;
    for (const ext of ['101', '102']) {
      const { user } = await addUser(h.db, p.id, { email: `u${ext}@p.example`, displayName: `U${ext}`, role: 'staff', extension: ext }, CLI_ACTOR);
      devices[ext] = (await addDevice(h.db, p.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR)).device.id;
    }
    for (const e of await listExtensions(h.db, p.id)) boxes[e.number] = e.voicemailBoxId!;
  });
  afterAll(() => h.close());

  it('round-trips a subscription, with its refresh, CSeq reservation and event id', async () => {
    await store.save(sub('a', '101'));
    expect(await store.loadActive(now)).toEqual([sub('a', '101')]);
    // A refresh rewrites the same row.
    await store.save(sub('a', '101', { expiresAt: now + 7_200_000, eventId: 'lamp-1' }));
    await store.reserve('a', 'ours1', 300);
    const [back] = await store.loadActive(now);
    expect(back).toEqual(sub('a', '101', { expiresAt: now + 7_200_000, eventId: 'lamp-1', cseqReserved: 300, dialog: { ...sub('a', '101').dialog, localSeq: 300 } }));
    await store.remove('a', 'ours1');
    expect(await store.loadActive(now)).toEqual([]);
  });

  it('does not return, and deletes, subscriptions over at load time or whose device was disabled', async () => {
    await store.save(sub('expired', '101', { expiresAt: now - 1 }));
    await store.save(sub('live', '101'));
    await store.save(sub('disabled', '102'));
    await disableDevice(h.db, practiceId, devices['102']!, CLI_ACTOR);
    expect((await store.loadActive(now)).map((s) => s.dialog.callId)).toEqual(['live']);
    const left = await h.db.selectFrom('mwi_subscriptions').select('call_id').execute();
    expect(left.map((r) => r.call_id)).toEqual(['live']);
    await store.removeDevice(devices['101']!);
    expect(await store.loadActive(now)).toEqual([]);
  });
});
