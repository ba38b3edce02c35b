/**
 * The audit log on SQLite (a file in a temp dir, WAL, as Sotto runs it):
 * appends each in their own transaction (the cost a command pays for its
 * event), and `sotto audit verify` reading the chain back in pages.
 */
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { AuditLog, verifyStoredChain } from '../src/audit/index.ts';
import { KyselyAuditStore, migrateToLatest, openDatabase } from '../src/db/index.ts';

const handle = openDatabase({ kind: 'sqlite', path: join(mkdtempSync(join(tmpdir(), 'sotto-bench-')), 'sotto.db') });
await migrateToLatest(handle);
const store = new KyselyAuditStore(handle.db);
const log = new AuditLog({ store, clock: { now: () => Date.now() } });
const N = 5000;
let start = performance.now();
for (let i = 0; i < N; i++) {
  await handle.db.transaction().execute((tx) =>
    log.record(tx, {
      practiceId: 'prac-1',
      actor: { type: 'user', id: 'usr-7' },
      action: 'voicemail.play',
      object: { type: 'voicemail', id: `vm-${i}` },
      sourceIp: '192.0.2.10',
      outcome: 'success',
      details: { box: 'vmb-3' },
    }),
  );
}
let ms = performance.now() - start;
process.stdout.write(`SQLite audit append, one transaction each: ${(ms / N).toFixed(3)} ms/op, ${((N / ms) * 1000).toFixed(0)} op/s\n`);
start = performance.now();
const result = await verifyStoredChain(store, 'prac-1');
ms = performance.now() - start;
process.stdout.write(`SQLite audit verify ${N} events: ${ms.toFixed(0)} ms (${((N / ms) * 1000).toFixed(0)} events/s), ok=${result.ok}\n`);
await handle.close();
