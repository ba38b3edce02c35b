import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { openTestDatabase } from '../../../test/support/db.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { CLI_ACTOR, createPractice, type Practice } from '../../directory/index.ts';
import { KyselyCallRecordSink, listCallRecords, type CallRecord } from './index.ts';

describe.each([
  ['sqlite', 'prepared'],
  ['sqlite', 'kysely'],
  ['postgres', 'kysely'],
] as const)('call records written in group commits on %s (%s)', (dialect, path) => {
  let h: DatabaseHandle;
  let practice: Practice;
  let sqlite: DatabaseHandle['sqlite'];
  const base = Date.UTC(2026, 10, 2, 9, 0, 0);
  const record = (n: number, over: Partial<CallRecord> = {}): CallRecord => ({
    id: `call-${path}-${n}`,
    practiceId: practice.id,
    callerExtension: '101',
    callerNumberRef: null,
    calleeExtension: '102',
    startedAt: base + n * 1000,
    answeredAt: base + n * 1000 + 3000,
    endedAt: base + n * 1000 + 63_000,
    outcome: 'answered',
    ...over,
  });
  const ids = async () => (await listCallRecords(h.db, practice.id, { limit: 100 }, CLI_ACTOR)).items.map((r) => r.id).sort();

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    practice = await createPractice(h.db, { name: 'Alder Clinic', tier: 'pro', sipDomain: `alder-${dialect}.example` });
    sqlite = path === 'prepared' ? h.sqlite : undefined;
  });
  afterAll(() => h.close());

  it('writes every record handed over, in one batch, by flush()', async () => {
    const sink = new KyselyCallRecordSink(h.db, undefined, { flushIntervalMs: 60_000, sqlite });
    for (let n = 0; n < 3; n++) sink.record(record(n));
    await sink.flush();
    expect(await ids()).toEqual([`call-${path}-0`, `call-${path}-1`, `call-${path}-2`]);
    const page = await listCallRecords(h.db, practice.id, { limit: 1 }, CLI_ACTOR);
    expect(page.items[0]).toEqual(record(2));
  });

  it('writes on its own within the flush interval, and a full batch at once', async () => {
    const sink = new KyselyCallRecordSink(h.db, undefined, { flushIntervalMs: 1, maxBatch: 2, sqlite });
    sink.record(record(10));
    for (let i = 0; i < 500 && !(await ids()).includes(`call-${path}-10`); i++) await new Promise((r) => setTimeout(r, 5));
    expect(await ids()).toContain(`call-${path}-10`);
    await sink.close();
  });

  it('loses no good record to a bad one in its batch, and reports the bad one by id', async () => {
    const failed: string[] = [];
    const sink = new KyselyCallRecordSink(h.db, (_code, id) => failed.push(id), { flushIntervalMs: 60_000, sqlite });
    sink.record(record(20));
    sink.record(record(21, { practiceId: 'deleted-practice' }));
    sink.record(record(22));
    await sink.flush();
    expect(failed).toEqual([`call-${path}-21`]);
    expect(await ids()).toEqual(expect.arrayContaining([`call-${path}-20`, `call-${path}-22`]));
    expect(await ids()).not.toContain(`call-${path}-21`);
  });

  it('writes what is pending on close (graceful stop), and what comes after straight through', async () => {
    const sink = new KyselyCallRecordSink(h.db, undefined, { flushIntervalMs: 60_000, sqlite });
    sink.record(record(30));
    await sink.close();
    expect(await ids()).toContain(`call-${path}-30`);
    sink.record(record(31));
    await sink.flush();
    expect(await ids()).toContain(`call-${path}-31`);
  });
});
