// The notice outbox on the real databases: the claim/lease rules of the
// in-memory store, survival across a restart (a new store over the same
// database), concurrent claimers never sharing an entry, and rows that hold
// ids only, whatever the caller's job object carried.
import { afterAll, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import type { DatabaseHandle } from '../../src/db/index.ts';
import {
  carriesPhi,
  KyselyOutboxStore,
  ManualScheduler,
  Notifier,
  NotifyError,
  type DeliveryOutcome,
  type MailSender,
  type NoticeJob,
  type NoticeResolver,
  type OutgoingMail,
} from '../../src/notify/index.ts';
import { DIALECTS, openTestDatabase } from '../support/db.ts';

const MSG = '0193a6f2-4c1d-7e2a-9b3f-2d4e6a8c0b1e';
const USER = '0193a6f2-4c1d-7e2a-9b3f-aaaaaaaaaaaa';
const vmJob = (n: number): NoticeJob => ({ kind: 'voicemail', messageId: `0193a6f2-4c1d-7e2a-9b3f-${String(n).padStart(12, '0')}`, recipientId: USER });
const JOB: NoticeJob = { kind: 'voicemail', messageId: MSG, recipientId: USER };

describe.each(DIALECTS)('Kysely outbox store on %s', (dialect) => {
  let h: DatabaseHandle;
  let store: KyselyOutboxStore;
  beforeAll(async () => {
    h = await openTestDatabase(dialect);
  });
  afterAll(() => h.close());
  beforeEach(async () => {
    await h.db.deleteFrom('notify_outbox').execute();
    store = new KyselyOutboxStore(h.db, h.dialect);
  });

  it('queues a job once per key and reads it back as stored', async () => {
    const a = await store.add(JOB, 1_000);
    const b = await store.add({ ...JOB }, 2_000);
    expect(b).toEqual(a);
    expect(a).toMatchObject({ key: `voicemail:${MSG}:${USER}`, job: JOB, state: 'pending', attempts: 0, nextAttemptAt: 1_000, createdAt: 1_000 });
    expect(await store.list()).toEqual([a]);
    expect(await store.nextDueAt()).toBe(1_000);
  });

  it('leases a claimed entry: no second claim gets it until the lease lapses, and each claim counts an attempt', async () => {
    await store.add(JOB, 1_000);
    expect(await store.claimDue(1_000, 61_000, 10)).toMatchObject([{ attempts: 1, nextAttemptAt: 61_000 }]);
    expect(await store.claimDue(60_999, 121_000, 10)).toEqual([]);
    expect(await store.nextDueAt()).toBe(61_000);
    // A worker died mid-send: a restarted Sotto (a new store) picks it up once the lease lapses.
    const restarted = new KyselyOutboxStore(h.db, h.dialect);
    expect(await restarted.claimDue(61_000, 121_000, 10)).toMatchObject([{ attempts: 2, job: JOB }]);
  });

  it('hands out due entries oldest first, at most `limit`, and none that are not due', async () => {
    await store.add(vmJob(3), 300);
    await store.add(vmJob(1), 100);
    await store.add(vmJob(2), 200);
    await store.add(vmJob(9), 9_000);
    const first = await store.claimDue(1_000, 5_000, 2);
    expect(first.map((e) => e.job)).toEqual([vmJob(1), vmJob(2)]);
    expect((await store.claimDue(1_000, 5_000, 10)).map((e) => e.job)).toEqual([vmJob(3)]);
    expect(await store.claimDue(1_000, 5_000, 0)).toEqual([]);
    expect(await store.nextDueAt()).toBe(5_000);
  });

  it('retries later with the error code, then completes (the row goes)', async () => {
    const e = await store.add(JOB, 0);
    await store.claimDue(0, 60_000, 10);
    await store.retryLater(e.id, 30_000, 'NOTIFY_SMTP_TEMPORARY');
    expect(await store.list()).toMatchObject([{ id: e.id, state: 'pending', attempts: 1, nextAttemptAt: 30_000, lastErrorCode: 'NOTIFY_SMTP_TEMPORARY' }]);
    expect(await store.claimDue(29_999, 90_000, 10)).toEqual([]);
    expect(await store.claimDue(30_000, 90_000, 10)).toMatchObject([{ id: e.id, attempts: 2 }]);
    await store.complete(e.id);
    expect(await store.list()).toEqual([]);
    expect(await store.nextDueAt()).toBeUndefined();
  });

  it('never hands out a failed entry again, keeps it for the operator, and lets the same job queue anew', async () => {
    const first = await store.add(JOB, 0);
    await store.claimDue(0, 10, 10);
    await store.fail(first.id, 'NOTIFY_SMTP_REJECTED');
    expect(await store.claimDue(100, 200, 10)).toEqual([]);
    expect(await store.nextDueAt()).toBeUndefined();
    const second = await store.add(JOB, 100);
    expect(second.id).not.toBe(first.id);
    expect(await store.list()).toMatchObject([
      { id: first.id, state: 'failed', lastErrorCode: 'NOTIFY_SMTP_REJECTED' },
      { id: second.id, state: 'pending', attempts: 0 },
    ]);
  });

  it('gives each entry to exactly one of several concurrent claimers', async () => {
    for (let i = 1; i <= 40; i++) await store.add(vmJob(i), i);
    const claimers = Array.from({ length: 6 }, () => new KyselyOutboxStore(h.db, h.dialect));
    const batches = await Promise.all(claimers.flatMap((c) => [c.claimDue(1_000, 60_000, 5), c.claimDue(1_000, 60_000, 5)]));
    const ids = batches.flat().map((e) => e.id);
    expect(new Set(ids).size).toBe(ids.length);
    expect(ids).toHaveLength(40);
    expect(batches.flat().every((e) => e.attempts === 1)).toBe(true);
  });

  it('stores ids only: fields a caller slipped into the job never reach the table', async () => {
    const sloppy = { ...JOB, callerNumber: '+15551234567', transcript: 'Jane Q Patient about her biopsy' } as NoticeJob;
    await store.add(sloppy, 0);
    const rows = await h.db.selectFrom('notify_outbox').selectAll().execute();
    expect(rows).toHaveLength(1);
    expect(JSON.parse(rows[0]!.job)).toEqual(JOB);
    const text = JSON.stringify(rows);
    for (const phi of ['5551234567', 'Jane', 'biopsy', 'callerNumber', 'transcript']) expect(text).not.toContain(phi);
  });

  it('carries a Notifier through a temporary SMTP failure and a restart: the notice is sent once', async () => {
    const sent: OutgoingMail[] = [];
    const answers: Array<NotifyError | 'ok'> = [new NotifyError('NOTIFY_SMTP_TEMPORARY', 'try later', 421)];
    const mailer: MailSender = {
      async send(outgoing) {
        sent.push(outgoing);
        const a = answers.shift() ?? 'ok';
        return a === 'ok' ? { ok: true, value: { messageId: '<x@y>', tlsEnforced: carriesPhi(outgoing.mail) } } : { ok: false, error: a };
      },
      close() {},
    };
    const resolver: NoticeResolver = {
      voicemail: async () => ({
        to: 'front-desk@clinic.example',
        input: {
          practiceName: 'Maple Street Dental',
          mailboxLabel: 'Extension 101',
          portalUrl: 'https://pbx.clinic.example',
          messageId: MSG,
          receivedAt: new Date(Date.UTC(2026, 0, 5)),
          durationMs: 10_000,
          // The default notice: no transcript, no recording (nothing resolved for them).
          decisions: { voicemail_email_audio: { enabled: true }, voicemail_email_transcript: { enabled: true } },
        },
      }),
      security: async () => null,
    };
    const scheduler = new ManualScheduler();
    const outcomes: DeliveryOutcome[] = [];
    const first = new Notifier({ mailer, store, resolver, scheduler, onOutcome: (o) => outcomes.push(o) });
    await first.start();
    await first.enqueue(JOB);
    await first.idle();
    await first.stop();
    expect(outcomes).toMatchObject([{ status: 'retrying', code: 'NOTIFY_SMTP_TEMPORARY', attempt: 1 }]);

    // Restart: a new notifier over a new store on the same database.
    scheduler.advance(30_000);
    const second = new Notifier({ mailer, store: new KyselyOutboxStore(h.db, h.dialect), resolver, scheduler, onOutcome: (o) => outcomes.push(o) });
    await second.start();
    await second.idle();
    await second.stop();
    expect(outcomes.map((o) => o.status)).toEqual(['retrying', 'sent']);
    expect(sent).toHaveLength(2);
    expect(await store.list()).toEqual([]);
  });
});
