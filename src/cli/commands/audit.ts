// `sotto audit verify` walks every chain in the database (or an export file
// with --file) and names the first broken link; `sotto audit export` writes a
// practice's chain as JSON Lines for an auditor, verifiable offline.
import { closeSync, createReadStream, fstatSync, openSync, readFileSync } from 'node:fs';
import { createInterface } from 'node:readline';
import { AUDIT_ACTIONS, AuditError, auditKeyring, exportChain, verifyExport, verifyStore, type AuditKeyring, type ChainVerification, type KeyedFrom, type KeySegment } from '../../audit/index.ts';
import { recordAudit } from '../../directory/audit.ts';
import { CLI_ACTOR } from '../../directory/index.ts';
import { auditKeysOf, KyselyAuditStore } from '../../db/index.ts';
import { loadConfig } from '../../app/config.ts';
import { loadRetiredMasterKeys } from '../../app/master-key.ts';
import { selectPractice, withRuntime } from '../context.ts';
import { CliError, usageError, printJson, printLines } from '../output.ts';

/**
 * Where a chain is keyed and under which key each range is tagged, e.g.
 * "keyed from seq 1 (event …): seq 1-53 under ak_old, seq 54-60 under
 * ak_new (checkpoint event …)". After a rotation the events before the
 * checkpoint stay tagged under the old key: naming only the head's key would
 * send an auditor to the wrong key for them.
 */
function keying(keyedFrom: KeyedFrom | null, segments: readonly KeySegment[], headKeyId: string | null, authenticated: boolean): string {
  if (keyedFrom === null) return 'not keyed (every event predates keyed chains)';
  const ranges = segments.map((g) => `seq ${g.fromSeq === g.toSeq ? g.fromSeq : `${g.fromSeq}-${g.toSeq}`} under ${g.keyId}${g.checkpoint ? ` (checkpoint event ${g.fromId})` : ''}`).join(', ');
  return `keyed from seq ${keyedFrom.seq} (event ${keyedFrom.id}): ${ranges}${authenticated ? '' : `, tags NOT all checked (audit key ${headKeyId ?? '?'} not at hand: compare the head with a published one)`}`;
}

/** `sotto audit verify --file`: the SHA-256 chain holds but no tag under a key at hand vouches for it (README, Audit log). */
export const EXIT_NOT_AUTHENTICATED = 3;

function whyUnauthenticated(keyedFrom: KeyedFrom | null, headKeyId: string | null, keys: AuditKeyring | null): string {
  if (keys === null) return 'no master key file here to check its tags; compare its head with a head published off the box';
  if (keyedFrom === null) return 'it carries no tags (unkeyed events only)';
  return `its last events are tagged under audit key ${headKeyId ?? '?'}, which is not this install's (nor a retired key kept beside it); compare its head with a head published off the box`;
}

function describe(chain: string, r: ChainVerification): string {
  if (r.ok) return `chain ${chain}: ${r.count} event(s), intact, ${keying(r.keyedFrom, r.keySegments, r.headKeyId, r.authenticated)}; head ${r.head.seq} ${r.head.hash}`;
  const event = r.break.id === undefined ? '' : ` event ${r.break.id},`;
  return `chain ${chain}: BROKEN at seq ${r.break.seq} (${r.break.reason}),${event} ${r.verifiedCount} event(s) verified before it`;
}

/**
 * The install's audit keys for checking an export's tags, read from the key
 * files without opening the database; null when they are not here (an
 * auditor's own machine): then only the SHA-256 chain is checked.
 */
function exportKeys(): AuditKeyring | null {
  try {
    const file = loadConfig().masterKeyFile;
    const key = readFileSync(file);
    if (key.length !== 32) return null;
    const retired = loadRetiredMasterKeys(file);
    const ring = auditKeyring(key, retired);
    for (const k of [key, ...retired]) k.fill(0);
    return ring;
  } catch {
    return null;
  }
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
    const keys = exportKeys();
    const r = await verifyExport(lines, { keys });
    if (o.json) printJson(r);
    else if (r.ok) {
      printLines([`export of chain ${r.header.chain}: ${r.count} event(s), intact, ${keying(r.keyedFrom, r.keySegments, r.headKeyId, r.authenticated)}; head ${r.head.seq} ${r.head.hash}`]);
      if (!r.authenticated) process.stderr.write(`export NOT authenticated: ${whyUnauthenticated(r.keyedFrom, r.headKeyId, keys)}\n`);
    } else {
      const e = r.error;
      const event = e.code === 'EXPORT_CHAIN_BROKEN' && e.break.id !== undefined ? `, event ${e.break.id}` : '';
      process.stderr.write(e.code === 'EXPORT_CHAIN_BROKEN' ? `export BROKEN at seq ${e.break.seq} (${e.break.reason})${event}, line ${e.line}\n` : `export not valid: ${e.code}\n`);
    }
    // Anyone can build a consistent SHA-256 chain: only a tag under a key at hand makes it Sotto's, so "intact" alone is not success.
    return !r.ok ? 1 : r.authenticated ? 0 : EXIT_NOT_AUTHENTICATED;
  }
  // Opens even an audit log start-up refuses (a marker it cannot trust, chains stripped of their tags): this is how the operator sees why.
  const { result, integrity } = await withRuntime(
    async (rt) => ({ result: await verifyStore(new KyselyAuditStore(rt.database.db), auditKeysOf(rt.database.db)), integrity: rt.auditIntegrity }),
    { inspectAudit: true },
  );
  const problem = integrity.problem;
  const ok = result.ok && problem === null;
  const checked = result.chains.reduce((n, c) => n + (c.result.ok ? c.result.count : c.result.verifiedCount), 0);
  if (o.json) printJson({ ...result, ok, eventsChecked: checked, marker: integrity.marker, problem: problem === null ? null : { code: problem.code, chains: problem.chains } });
  else {
    if (result.chains.length === 0) printLines(['no audit events yet']);
    else {
      const good = result.chains.filter((c) => c.result.ok).map((c) => describe(c.chain, c.result));
      if (good.length > 0) printLines(good);
      for (const c of result.chains.filter((x) => !x.result.ok)) process.stderr.write(describe(c.chain, c.result) + '\n');
      printLines([`${checked} event(s) checked in ${result.chains.length} chain(s)${ok ? ', all intact' : ''}`]);
    }
    if (problem !== null) process.stderr.write(`sotto: ${problem.message} (${problem.code})\n`);
  }
  return ok ? 0 : 1;
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
    const range = await store.exportRange(practice.id, from, to);
    const lines = exportChain(store, practice.id, { practiceId: practice.id, exportedAt: new Date().toISOString(), fromSeq: range.fromSeq, toSeq: range.toSeq });
    let exported = 0;
    for await (const line of lines) {
      exported++;
      if (!process.stdout.write(line)) await new Promise((r) => process.stdout.once('drain', r));
    }
    // A copy of the log left the box: that is on the log too (after the copy, which it does not change).
    try {
      await rt.database.db.transaction().execute((trx) =>
        recordAudit(trx, practice.id, CLI_ACTOR, {
          action: AUDIT_ACTIONS.auditExport,
          object: { type: 'audit_log', id: practice.id },
          details: { lines: exported, ...(from !== undefined ? { from } : {}), ...(to !== undefined ? { to } : {}) },
        }),
      );
    } catch (e) {
      throw refusedAppend(e);
    }
  });
  return 0;
}

/**
 * The audit log refused to link this command's event (audit/append-guard.ts):
 * the export went out unrecorded, so the command fails. A long export that
 * outlived `sotto keys rotate` holds the old key: rerunning it is the fix.
 */
function refusedAppend(e: unknown): unknown {
  if (!(e instanceof AuditError)) return e;
  if (e.code === 'AUDIT_KEY_SUPERSEDED') {
    return new CliError('AUDIT_KEY_SUPERSEDED', `the export was written but not recorded: the audit key changed (\`sotto keys rotate\`) while it ran; run \`sotto audit export\` again`);
  }
  if (e.code === 'AUDIT_CHAIN_UNAUTHENTICATED') {
    return new CliError('AUDIT_CHAIN_UNAUTHENTICATED', 'the export was written but not recorded: the audit chain does not end in an event tagged under this install\'s audit key; run `sotto audit verify`');
  }
  return e;
}
