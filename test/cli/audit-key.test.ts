// The keyed audit chain as an operator meets it: `sotto audit verify` on a
// demo install whose SQLite file someone with write access to it (but not to
// the master key file) has doctored, an install upgraded from unkeyed
// chains, and an install after `sotto keys rotate`.
import { cpSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { computeEventHash, deriveAuditKey, writeKeyedMarker, type AuditEvent } from '../../src/audit/index.ts';
import { sotto } from '../support/cli.ts';
import { auditEventFromRow } from '../../src/db/audit-store.ts';
import type { AuditEventsTable } from '../../src/db/schema.ts';

type Row = AuditEventsTable;
const asEvent = auditEventFromRow;

describe('sotto audit verify on a keyed chain', { timeout: 180_000 }, () => {
  let pristine: string;
  let practiceId: string;

  beforeAll(() => {
    pristine = mkdtempSync(join(tmpdir(), 'sotto-audit-key-'));
    const run = sotto(['demo', '--json'], { SOTTO_DATA_DIR: pristine });
    expect(run.status, run.stderr).toBe(0);
    practiceId = JSON.parse(run.stdout).practice.id;
    // A restart: the keyed-install marker, written at the demo's start, now names the chain the demo made.
    expect(sotto(['audit', 'verify'], { SOTTO_DATA_DIR: pristine }).status).toBe(0);
  });

  function copy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-audit-key-copy-'));
    cpSync(pristine, dir, { recursive: true });
    return dir;
  }

  /**
   * Plays the database writer: past the append-only triggers, `edit` changes
   * the practice's rows, then every hash from the first changed seq on is
   * recomputed with plain SHA-256 and the head row moved to match.
   */
  function doctor(dir: string, edit: (rows: Row[]) => number): void {
    const db = new Database(join(dir, 'sotto.db'));
    db.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete; DROP TRIGGER audit_chain_heads_forward_only;');
    const rows = db.prepare('SELECT * FROM audit_events WHERE chain_key = ? ORDER BY seq').all(practiceId) as Row[];
    const from = edit(rows);
    const update = db.prepare(
      'UPDATE audit_events SET actor_id = ?, object_id = ?, outcome = ?, key_id = ?, mac = ?, prev_hash = ?, hash = ? WHERE chain_key = ? AND seq = ?',
    );
    const insert = db.prepare(
      'INSERT INTO audit_events (chain_key, seq, id, at, practice_id, actor_type, actor_id, action, object_type, object_id, source_ip, outcome, details, prev_hash, hash, key_id, mac) VALUES (@chain_key, @seq, @id, @at, @practice_id, @actor_type, @actor_id, @action, @object_type, @object_id, @source_ip, @outcome, @details, @prev_hash, @hash, @key_id, @mac)',
    );
    const known = new Set((db.prepare('SELECT seq FROM audit_events WHERE chain_key = ?').all(practiceId) as Array<{ seq: number }>).map((r) => r.seq));
    for (let i = from - 1; i < rows.length; i++) {
      const r = rows[i]!;
      r.prev_hash = i === 0 ? '0'.repeat(64) : rows[i - 1]!.hash;
      r.hash = computeEventHash(r.prev_hash, asEvent(r));
      if (known.has(r.seq)) update.run(r.actor_id, r.object_id, r.outcome, r.key_id, r.mac, r.prev_hash, r.hash, practiceId, r.seq);
      else insert.run(r);
    }
    const last = rows.at(-1)!;
    db.prepare('UPDATE audit_chain_heads SET seq = ?, hash = ? WHERE chain_key = ?').run(last.seq, last.hash, practiceId);
    db.close();
  }

  /** The install as a version before keyed chains left it: no key ids, no tags, no marker. Returns the chain's length. */
  function asPreKeyed(dir: string): number {
    let count = 0;
    doctor(dir, (rows) => {
      for (const r of rows) Object.assign(r, { key_id: null, mac: null });
      count = rows.length;
      return 1;
    });
    rmSync(join(dir, 'master.key.audit-marker'));
    return count;
  }

  const marker = (dir: string) => JSON.parse(readFileSync(join(dir, 'master.key.audit-marker'), 'utf8')) as { keyId: string; chains: string[]; mac: string };

  it('keeps a keyed-install marker beside the master key, owner-only, naming the install\'s chains as of its last start', () => {
    expect(statSync(join(pristine, 'master.key.audit-marker')).mode & 0o777).toBe(0o600);
    expect(marker(pristine)).toMatchObject({ format: 'sotto-audit-keyed', version: 1, keyId: expect.stringMatching(/^ak_[0-9a-f]{16}$/), chains: [practiceId], mac: expect.stringMatching(/^[0-9a-f]{64}$/) });
  });

  it('catches every chain stripped of its tags after a restart: verify exits 1 naming the chain, and start-up refuses with AUDIT_LOG_DOWNGRADED (the next start used to tag the forgery)', () => {
    const dir = copy();
    let last = 0;
    // The database writer makes the install look never upgraded: no key id, no tag, the chain rebuilt with plain SHA-256.
    doctor(dir, (rows) => {
      for (const r of rows) Object.assign(r, { key_id: null, mac: null });
      rows[2]!.outcome = 'failure';
      last = rows.length;
      return 1;
    });
    const server = sotto(['start'], { SOTTO_DATA_DIR: dir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0' });
    expect(server.status).toBe(1);
    expect(server.stderr).toContain(`sotto: audit chain(s) ${practiceId} end in untagged events, but this install's audit log is keyed (${join(dir, 'master.key.audit-marker')})`);
    expect(server.stderr).toContain('(AUDIT_LOG_DOWNGRADED)');
    expect(server.stderr).not.toMatch(/\n\s+at /);
    const listed = sotto(['voicemail', 'list'], { SOTTO_DATA_DIR: dir });
    expect(listed.status).toBe(1);
    expect(listed.stderr).toContain('(AUDIT_LOG_DOWNGRADED)');
    for (let i = 0; i < 2; i++) {
      const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
      expect(r.status).toBe(1);
      expect(r.stderr).toMatch(new RegExp(`chain ${practiceId}: BROKEN at seq ${last} \\(unkeyed_tail\\), event [0-9a-f-]{36}, ${last} event\\(s\\) verified before it`));
      expect(r.stderr).toContain('(AUDIT_LOG_DOWNGRADED)');
      expect(r.stdout).not.toContain('all intact');
    }
    // Nothing was tagged over the forgery.
    const db = new Database(join(dir, 'sotto.db'), { readonly: true });
    expect(db.prepare('SELECT count(*) AS n FROM audit_events WHERE key_id IS NOT NULL').get()).toEqual({ n: 0 });
    db.close();
  });

  it('refuses a marker copied from another install (AUDIT_MARKER_FOREIGN) or edited (AUDIT_MARKER_INVALID): start-up and verify fail, naming it', () => {
    const other = mkdtempSync(join(tmpdir(), 'sotto-audit-key-other-'));
    expect(sotto(['demo', '--json'], { SOTTO_DATA_DIR: other }).status).toBe(0);
    const cases: Array<[string, (dir: string) => void, string]> = [
      ['another install', (dir) => cpSync(join(other, 'master.key.audit-marker'), join(dir, 'master.key.audit-marker')), 'AUDIT_MARKER_FOREIGN'],
      // Under this install's own key, but for chains it does not have: a marker of an install sharing the master key.
      ['another database', (dir) => writeFileSync(join(dir, 'master.key.audit-marker'), writeKeyedMarker(deriveAuditKey(readFileSync(join(dir, 'master.key'))), ['01938a2e-0000-7000-8000-000000000000'], new Date())), 'AUDIT_MARKER_FOREIGN'],
      ['edited', (dir) => writeFileSync(join(dir, 'master.key.audit-marker'), JSON.stringify({ ...marker(dir), chains: [] }) + '\n'), 'AUDIT_MARKER_INVALID'],
      ['not a marker', (dir) => writeFileSync(join(dir, 'master.key.audit-marker'), 'garbage\n'), 'AUDIT_MARKER_INVALID'],
    ];
    for (const [name, plant, code] of cases) {
      const dir = copy();
      plant(dir);
      const listed = sotto(['voicemail', 'list'], { SOTTO_DATA_DIR: dir });
      expect(listed.status, name).toBe(1);
      expect(listed.stderr, name).toContain(`sotto: the audit marker ${join(dir, 'master.key.audit-marker')} is refused: `);
      expect(listed.stderr, name).toContain(`(${code})`);
      const verified = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
      expect(verified.status, name).toBe(1);
      expect(verified.stdout, name).toContain(`chain ${practiceId}: `);
      expect(verified.stderr, name).toContain(`(${code})`);
    }
  });

  it('writes the marker again when it is missing but the chains are tagged (an install keyed before markers existed)', () => {
    const dir = copy();
    rmSync(join(dir, 'master.key.audit-marker'));
    const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(marker(dir)).toMatchObject({ keyId: marker(pristine).keyId, chains: [practiceId] });
  });

  it('reports events checked, and the chain keyed from its first event, exit 0', () => {
    const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: pristine });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`chain ${practiceId}: \\d+ event\\(s\\), intact, keyed from seq 1 \\(event [0-9a-f-]{36}\\): seq 1-(\\d+) under ak_[0-9a-f]{16}; head \\1 [0-9a-f]{64}`));
    expect(r.stdout).toMatch(/\d+ event\(s\) checked in \d+ chain\(s\), all intact/);
  });

  it('catches an event rewritten and the chain rebuilt with plain SHA-256 (exit 1, names the event)', () => {
    const dir = copy();
    let id = '';
    doctor(dir, (rows) => {
      rows[4]!.actor_id = 'someone-else';
      id = rows[4]!.id;
      return 5;
    });
    const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`chain ${practiceId}: BROKEN at seq 5 (mac_mismatch), event ${id}, 4 event(s) verified before it`);
    const json = JSON.parse(sotto(['audit', 'verify', '--json'], { SOTTO_DATA_DIR: dir }).stdout);
    expect(json.chains[0].result.break).toEqual({ seq: 5, reason: 'mac_mismatch', id });
  });

  it('refuses an event appended the old, unkeyed way after keyed ones', () => {
    const dir = copy();
    doctor(dir, (rows) => {
      const last = rows.at(-1)!;
      rows.push({ ...last, seq: last.seq + 1, id: 'forged-1', action: 'voicemail.delete', key_id: null, mac: null });
      return last.seq + 1;
    });
    const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toMatch(new RegExp(`BROKEN at seq \\d+ \\(unkeyed_after_keyed\\), event forged-1`));
  });

  it('refuses an audited command on a doctored chain with its code and exit 1, not a stack trace', () => {
    const dir = copy();
    doctor(dir, (rows) => {
      rows[4]!.actor_id = 'someone-else';
      return 5;
    });
    const exported = sotto(['audit', 'export'], { SOTTO_DATA_DIR: dir });
    expect(exported.status).toBe(1);
    expect(exported.stderr).toContain('(AUDIT_CHAIN_UNAUTHENTICATED)');
    // Any other audited command: its code, not a stack trace.
    const listed = sotto(['voicemail', 'list'], { SOTTO_DATA_DIR: dir });
    expect(listed.status).toBe(1);
    expect(listed.stderr).toContain('(AUDIT_CHAIN_UNAUTHENTICATED)');
    expect(listed.stderr).not.toMatch(/\n\s+at /);
  });

  it('checkpoints an install upgraded from unkeyed chains at its first start, then keys every new event', () => {
    const dir = copy();
    // What the previous version wrote: no key id, no tag, hashes without them, and no keyed-install marker beside the key.
    const count = asPreKeyed(dir);
    // The command's start is the upgrade moment: an audit.key_checkpoint under the audit key now ends the chain.
    const first = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain(`chain ${practiceId}: ${count + 1} event(s), intact, keyed from seq ${count + 1} (event `);
    expect(sotto(['audit', 'export'], { SOTTO_DATA_DIR: dir }).status).toBe(0);
    const after = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    expect(after.status, after.stderr).toBe(0);
    expect(after.stdout).toContain(`chain ${practiceId}: ${count + 2} event(s), intact, keyed from seq ${count + 1} (event `);
    // The upgrade wrote the marker: from now on an untagged chain here is a forgery, not an upgrade.
    expect(existsSync(join(dir, 'master.key.audit-marker'))).toBe(true);
  });

  it('upgrades the sound chain of a pre-keyed install and reports one with a hash break, starting then and later (review finding: every start refused with AUDIT_LOG_DOWNGRADED)', () => {
    const dir = copy();
    const count = asPreKeyed(dir);
    // A second practice's chain, written before keyed chains too, then one of its events edited in place.
    const other = '01938a2e-0000-7000-8000-0000000000b2';
    const db = new Database(join(dir, 'sotto.db'));
    const rows = db.prepare('SELECT * FROM audit_events WHERE chain_key = ? ORDER BY seq').all(practiceId) as Row[];
    let prev = '0'.repeat(64);
    const insert = db.prepare(
      'INSERT INTO audit_events (chain_key, seq, id, at, practice_id, actor_type, actor_id, action, object_type, object_id, source_ip, outcome, details, prev_hash, hash, key_id, mac) VALUES (@chain_key, @seq, @id, @at, @practice_id, @actor_type, @actor_id, @action, @object_type, @object_id, @source_ip, @outcome, @details, @prev_hash, @hash, @key_id, @mac)',
    );
    for (const r of rows) {
      Object.assign(r, { chain_key: other, practice_id: other, id: `${other.slice(0, -4)}${String(r.seq).padStart(4, '0')}`, prev_hash: prev });
      r.hash = computeEventHash(prev, asEvent(r));
      prev = r.hash;
      if (r.seq === 2) r.outcome = r.outcome === 'failure' ? 'success' : 'failure';
      insert.run(r);
    }
    db.prepare('INSERT INTO audit_chain_heads (chain_key, seq, hash) VALUES (?, ?, ?)').run(other, rows.length, prev);
    db.close();
    for (let i = 0; i < 2; i++) {
      const listed = sotto(['voicemail', 'list'], { SOTTO_DATA_DIR: dir });
      expect(listed.status, listed.stderr).toBe(0);
      expect(listed.stderr).not.toContain('AUDIT_LOG_DOWNGRADED');
      expect(listed.stderr).toContain(`"code":"AUDIT_CHAIN_UNVERIFIED","chain":"${other}","fromKeyId":null,"seq":2,"reason":"hash_mismatch"`);
      const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
      expect(r.status).toBe(1);
      expect(r.stdout).toContain(`chain ${practiceId}: `);
      expect(r.stdout).toMatch(new RegExp(`chain ${practiceId}: \\d+ event\\(s\\), intact, keyed from seq ${count + 1} \\(event `));
      expect(r.stderr).toContain(`chain ${other}: BROKEN at seq 2 (hash_mismatch), event ${rows[1]!.id}, 1 event(s) verified before it`);
      expect(r.stderr).not.toContain('AUDIT_LOG_DOWNGRADED');
    }
    const check = new Database(join(dir, 'sotto.db'), { readonly: true });
    expect(check.prepare('SELECT count(*) AS n FROM audit_events WHERE chain_key = ? AND key_id IS NOT NULL').get(other)).toEqual({ n: 0 });
    check.close();
    expect(marker(dir).chains.sort()).toEqual([other, practiceId].sort());
  });

  it('exits 3 on an export whose chain holds but no tag at hand vouches for it (review finding: forged exports exited 0)', () => {
    const genuine = sotto(['audit', 'export'], { SOTTO_DATA_DIR: pristine }).stdout;
    const dir = mkdtempSync(join(tmpdir(), 'sotto-audit-key-export-'));
    const write = (name: string, text: string) => {
      const file = join(dir, name);
      writeFileSync(file, text);
      return file;
    };
    const ok = sotto(['audit', 'verify', '--file', write('genuine.jsonl', genuine)], { SOTTO_DATA_DIR: pristine });
    expect(ok.status, ok.stderr).toBe(0);
    // The forger's export: an event changed, every event under a key id of their own (or none), the chain rebuilt.
    const lines = genuine.trimEnd().split('\n');
    const forge = (keyId: string | null) => {
      const events = lines.slice(1, -1).map((l) => JSON.parse(l).event as AuditEvent);
      events[1]!.outcome = 'failure';
      let prev = '0'.repeat(64);
      for (const e of events) {
        Object.assign(e, { keyId, mac: keyId === null ? null : 'ab'.repeat(32), prevHash: prev });
        e.hash = computeEventHash(prev, e);
        prev = e.hash;
      }
      const end = { kind: 'end', count: events.length, head: { seq: events.at(-1)!.seq, hash: prev } };
      return [lines[0]!, ...events.map((e) => JSON.stringify({ kind: 'event', event: e })), JSON.stringify(end)].join('\n') + '\n';
    };
    for (const [name, keyId] of [['invented-key.jsonl', 'ak_00112233deadbeef'], ['unkeyed.jsonl', null]] as const) {
      const r = sotto(['audit', 'verify', '--file', write(name, forge(keyId))], { SOTTO_DATA_DIR: pristine });
      expect(r.status, name).toBe(3);
      expect(r.stdout).toContain('intact');
      expect(r.stderr).toContain('export NOT authenticated: ');
    }
  });

  it('stays verifiable across `sotto keys rotate`, and after the retired key is destroyed', async () => {
    const dir = copy();
    const rotated = sotto(['keys', 'rotate'], { SOTTO_DATA_DIR: dir });
    expect(rotated.status, rotated.stderr).toBe(0);
    const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain(`chain ${practiceId}:`);
    const events = sotto(['audit', 'export'], { SOTTO_DATA_DIR: dir }).stdout.trimEnd().split('\n').slice(1, -1).map((l) => JSON.parse(l).event as AuditEvent);
    const checkpoint = events.find((e) => e.action === 'audit.key_checkpoint');
    expect(checkpoint).toMatchObject({ actor: { type: 'system', id: 'audit' }, details: { fromKeyId: events[0]!.keyId } });
    expect(checkpoint!.keyId).not.toBe(events[0]!.keyId);
    for (const f of readdirSync(dir).filter((n) => n.startsWith('master.key.retired-'))) rmSync(join(dir, f));
    const later = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    expect(later.status, later.stderr).toBe(0);
    expect(later.stdout).toContain(`under ${checkpoint!.keyId}`);
  });

  it('names the key of each keyed range after `sotto keys rotate`: the events before the checkpoint under the old key (review finding: all were put under the new one)', () => {
    const dir = copy();
    expect(sotto(['keys', 'rotate'], { SOTTO_DATA_DIR: dir }).status).toBe(0);
    const text = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    const json = sotto(['audit', 'verify', '--json'], { SOTTO_DATA_DIR: dir });
    expect(text.status, text.stderr).toBe(0);
    expect(json.status, json.stderr).toBe(0);
    const chain = (JSON.parse(json.stdout) as { chains: Array<{ chain: string; result: { head: { seq: number }; headKeyId: string; keySegments: unknown[] } }> }).chains.find((c) => c.chain === practiceId)!;
    const head = chain.result.head.seq;
    const events = sotto(['audit', 'export'], { SOTTO_DATA_DIR: dir }).stdout.trimEnd().split('\n').slice(1, -1).map((l) => JSON.parse(l).event as AuditEvent);
    const checkpoint = events.find((e) => e.action === 'audit.key_checkpoint')!;
    const [oldKey, newKey] = [events[0]!.keyId!, checkpoint.keyId!];
    expect(events.filter((e) => e.seq < checkpoint.seq).every((e) => e.keyId === oldKey)).toBe(true);
    expect(events.filter((e) => e.seq >= checkpoint.seq && e.seq <= head).every((e) => e.keyId === newKey)).toBe(true);
    const line = text.stdout.split('\n').find((l) => l.startsWith(`chain ${practiceId}:`))!;
    expect(line).toContain(`keyed from seq 1 (event ${events[0]!.id}): seq 1-${checkpoint.seq - 1} under ${oldKey}, seq ${checkpoint.seq === head ? head : `${checkpoint.seq}-${head}`} under ${newKey} (checkpoint event ${checkpoint.id}); head ${head} `);
    expect(chain.result.headKeyId).toBe(newKey);
    expect(chain.result.keySegments).toEqual([
      { keyId: oldKey, fromSeq: 1, fromId: events[0]!.id, toSeq: checkpoint.seq - 1, checkpoint: false },
      { keyId: newKey, fromSeq: checkpoint.seq, fromId: checkpoint.id, toSeq: head, checkpoint: true },
    ]);
  });

  it('moves every chain on to the new audit key within `sotto keys rotate`, so the retired key may be destroyed at once', () => {
    const dir = copy();
    const rotated = sotto(['keys', 'rotate'], { SOTTO_DATA_DIR: dir });
    expect(rotated.status, rotated.stderr).toBe(0);
    expect(rotated.stdout).toContain('Audit log: 1 chain(s) moved on to the new audit key.');
    // The keyed-install marker moved with the chains: under the new audit key, which tags the checkpoint.
    const events = sotto(['audit', 'export'], { SOTTO_DATA_DIR: dir }).stdout.trimEnd().split('\n').slice(1, -1).map((l) => JSON.parse(l).event as AuditEvent);
    expect(marker(dir).keyId).toBe(events.find((e) => e.action === 'audit.key_checkpoint')!.keyId);
    // No command in between: the retired key goes straight away.
    for (const f of readdirSync(dir).filter((n) => n.startsWith('master.key.retired-'))) rmSync(join(dir, f));
    const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toContain('all intact');
  });

  it('names the chains `keys rotate` could not move on and says to keep the retired key, exit 3 (review finding: they were dropped silently)', () => {
    const dir = copy();
    // A mid-chain edit without a rebuild: the tail's tag still checks out, the chain does not verify.
    const db = new Database(join(dir, 'sotto.db'));
    db.exec('DROP TRIGGER audit_events_no_update');
    db.prepare('UPDATE audit_events SET actor_id = ? WHERE chain_key = ? AND seq = 3').run('someone-else', practiceId);
    db.close();
    const rotated = sotto(['keys', 'rotate'], { SOTTO_DATA_DIR: dir });
    expect(rotated.status, rotated.stderr).toBe(3);
    expect(rotated.stdout).toContain('Audit log: 0 chain(s) moved on to the new audit key.');
    expect(rotated.stdout).toMatch(/master\.key\.retired-\S+: KEEP it/);
    expect(rotated.stderr).toContain(`audit chain(s) NOT moved on to the new audit key because they do not verify: ${practiceId}.`);
    expect(rotated.stderr).toContain('AUDIT_CHAINS_NOT_MOVED');
    const json = JSON.parse(sotto(['keys', 'rotate', '--json'], { SOTTO_DATA_DIR: dir }).stdout);
    expect(json.auditChainsNotMoved).toEqual([practiceId]);
  });
});
