/**
 * What one audit append costs, the price every voicemail deposit and play
 * pays: the in-memory log (validation, canonical JSON, the chain's SHA-256
 * and, for keyed chains, the HMAC tag) and the same on SQLite, one
 * transaction per event as commands do. The peer line is bare node:crypto
 * over the same canonical body, the floor any chained log pays.
 */
import { createHash, createHmac } from 'node:crypto';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, MemoryAuditStore, auditKeyring, canonicalEventBody, type AuditEventInput, type MemoryAuditTx } from '../src/audit/index.ts';
import { KyselyAuditStore, migrateToLatest, openDatabase } from '../src/db/index.ts';

const input = (i: number): AuditEventInput => ({
  practiceId: 'prac-1',
  actor: { type: 'system', id: 'voicemail' },
  action: 'voicemail.deposit',
  object: { type: 'voicemail', id: `vm-${i}` },
  sourceIp: null,
  outcome: 'success',
  details: { box: 'vmb-3', durationMs: 12_000 + i, partial: false },
});

const N = 20_000;
const us = (ms: number, n: number) => ((ms * 1000) / n).toFixed(2);

function peer(): void {
  const body = canonicalEventBody({ id: 'evt', seq: 1, at: new Date().toISOString(), ...input(1), details: input(1).details! });
  const prev = Buffer.alloc(32);
  const key = Buffer.alloc(32, 7);
  let t = performance.now();
  for (let i = 0; i < N; i++) createHash('sha256').update(prev).update(body, 'utf8').digest();
  const sha = performance.now() - t;
  t = performance.now();
  const keyObject = auditKeyring(key).current.key;
  for (let i = 0; i < N; i++) createHmac('sha256', keyObject).update(prev).digest();
  const hmac = performance.now() - t;
  process.stdout.write(`peer node:crypto: SHA-256(prev||body) ${us(sha, N)} µs, HMAC-SHA-256 over a 32-byte hash ${us(hmac, N)} µs\n`);
}

async function memory(label: string, makeLog: (store: MemoryAuditStore) => AuditLog<MemoryAuditTx>): Promise<void> {
  const store = new MemoryAuditStore();
  const log = makeLog(store);
  // One transaction, many events: the store's queue is not what is measured.
  await store.transaction(async (tx) => {
    for (let i = 0; i < 2000; i++) await log.record(tx, input(i));
  });
  const t = performance.now();
  await store.transaction(async (tx) => {
    for (let i = 0; i < N; i++) await log.record(tx, input(i));
  });
  process.stdout.write(`in-memory append, ${label}: ${us(performance.now() - t, N)} µs/event\n`);
}

async function sqlite(label: string, makeLog: (store: KyselyAuditStore) => AuditLog<Parameters<KyselyAuditStore['append']>[0]>): Promise<void> {
  const handle = openDatabase({ kind: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'sotto-bench-')), 'sotto.db') });
  await migrateToLatest(handle);
  const log = makeLog(new KyselyAuditStore(handle.db));
  const n = 3000;
  for (let i = 0; i < 300; i++) await handle.db.transaction().execute((tx) => log.record(tx, input(i)));
  const t = performance.now();
  for (let i = 0; i < n; i++) await handle.db.transaction().execute((tx) => log.record(tx, input(i)));
  process.stdout.write(`SQLite append, one transaction each, ${label}: ${us(performance.now() - t, n)} µs/event\n`);
  await handle.close();
}

const clock = { now: () => Date.now() };
const key = auditKeyring(Buffer.alloc(32, 0xa1)).current;
peer();
// Unkeyed is the log as it was before keyed chains (and what a store with no bound key still writes): the "before" figure.
for (let round = 1; round <= 2; round++) {
  process.stdout.write(`round ${round}\n`);
  await memory('unkeyed (before)', (store) => new AuditLog({ store, clock }));
  await memory('keyed (after)', (store) => new AuditLog({ store, clock, key }));
  await sqlite('unkeyed (before)', (store) => new AuditLog({ store, clock }));
  await sqlite('keyed (after)', (store) => new AuditLog({ store, clock, key }));
}
