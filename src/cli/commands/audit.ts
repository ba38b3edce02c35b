// `sotto audit verify` walks every chain in the database (or an export file
// with --file) and names the first broken link; `sotto audit export` writes a
// practice's chain as JSON Lines for an auditor, verifiable offline.
import { closeSync, createReadStream, fstatSync, openSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { AUDIT_ACTIONS, exportChain, verifyExport, verifyStore, type ChainVerification } from '../../audit/index.ts';
import { recordAudit } from '../../directory/audit.ts';
import { CLI_ACTOR } from '../../directory/index.ts';
import { KyselyAuditStore } from '../../db/index.ts';
import { selectPractice, withRuntime } from '../context.ts';
import { CliError, usageError, printJson, printLines } from '../output.ts';

function describe(chain: string, r: ChainVerification): string {
  return r.ok ? `chain ${chain}: ${r.count} event(s), intact, head ${r.head.seq} ${r.head.hash}` : `chain ${chain}: BROKEN at seq ${r.break.seq} (${r.break.reason}); ${r.verifiedCount} event(s) verified before it`;
}

export async function auditVerifyCommand(o: { file?: string; json?: boolean }): Promise<number> {
  if (o.file !== undefined) {
    // Opened first: a stream's open error would otherwise surface as an uncaught exception, not a message.
    let fd: number;
    try {
      fd = openSync(o.file, 'r');
    } catch (e) {
      throw new CliError('FILE_UNREADABLE', `cannot read ${o.file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
    if (!fstatSync(fd).isFile()) {
      closeSync(fd);
      throw new CliError('FILE_UNREADABLE', `cannot read ${o.file} (not a file)`);
    }
    const lines = createInterface({ input: createReadStream('', { fd, encoding: 'utf8' }), crlfDelay: Infinity });
    const r = await verifyExport(lines);
    if (o.json) printJson(r);
    else if (r.ok) printLines([`export of chain ${r.header.chain}: ${r.count} event(s), intact, head ${r.head.seq} ${r.head.hash}`]);
    else {
      const e = r.error;
      process.stderr.write(e.code === 'export.chain_broken' ? `export BROKEN at seq ${e.break.seq} (${e.break.reason}), line ${e.line}\n` : `export not valid: ${e.code}\n`);
    }
    return r.ok ? 0 : 1;
  }
  const result = await withRuntime((rt) => verifyStore(new KyselyAuditStore(rt.database.db)));
  if (o.json) printJson(result);
  else if (result.chains.length === 0) printLines(['no audit events yet']);
  else {
    const good = result.chains.filter((c) => c.result.ok).map((c) => describe(c.chain, c.result));
    if (good.length > 0) printLines(good);
    for (const c of result.chains.filter((x) => !x.result.ok)) process.stderr.write(describe(c.chain, c.result) + '\n');
  }
  return result.ok ? 0 : 1;
}

function isoOrThrow(value: string | undefined, flag: string): string | undefined {
  if (value === undefined) return undefined;
  const t = Date.parse(value);
  if (Number.isNaN(t)) throw usageError('INVALID_ARGUMENT', `${flag} must be a date or time, e.g. 2026-01-31 or 2026-01-31T12:00:00Z`);
  return new Date(t).toISOString();
}

export async function auditExportCommand(o: { from?: string; to?: string; practice?: string }): Promise<number> {
  const from = isoOrThrow(o.from, '--from');
  const to = isoOrThrow(o.to, '--to');
  await withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    const store = new KyselyAuditStore(rt.database.db);
    const range = from === undefined && to === undefined ? { fromSeq: 1, toSeq: undefined } : await store.seqRangeForTime(practice.id, from, to);
    // An empty time range still exports a valid (empty) document.
    const lines = exportChain(store, practice.id, {
      practiceId: practice.id,
      exportedAt: new Date().toISOString(),
      ...(range === null ? { fromSeq: 1, toSeq: 0 } : { fromSeq: range.fromSeq, ...(range.toSeq !== undefined ? { toSeq: range.toSeq } : {}) }),
    });
    let exported = 0;
    for await (const line of lines) {
      exported++;
      if (!process.stdout.write(line)) await new Promise((r) => process.stdout.once('drain', r));
    }
    // A copy of the log left the box: that is on the log too (after the copy, which it does not change).
    await rt.database.db.transaction().execute((trx) =>
      recordAudit(trx, practice.id, CLI_ACTOR, {
        action: AUDIT_ACTIONS.auditExport,
        object: { type: 'audit_log', id: practice.id },
        details: { lines: exported, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) },
      }),
    );
  });
  return 0;
}
