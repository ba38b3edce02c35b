// `sotto audit verify` and `sotto audit export` as an operator (or an
// auditor) runs them, against a demo install whose SQLite file is then
// tampered with by someone who got past the append-only triggers.
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { beforeAll, describe, expect, it } from 'vitest';
import { verifyExport } from '../../src/audit/index.ts';
import { createTotpSecretBox, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { sotto } from '../support/cli.ts';

describe('sotto audit', { timeout: 180_000 }, () => {
  let pristine: string;
  let practiceId: string;
  let demo: { admin: { email: string; totpSecret: string } };

  beforeAll(() => {
    pristine = mkdtempSync(join(tmpdir(), 'sotto-audit-'));
    const run = sotto(['demo', '--json'], { SOTTO_DATA_DIR: pristine });
    expect(run.status, run.stderr).toBe(0);
    demo = JSON.parse(run.stdout);
    practiceId = JSON.parse(run.stdout).practice.id;
  });

  it('enrols the demo admin in MFA with the printed secret, stored sealed', () => {
    const db = new Database(join(pristine, 'sotto.db'), { readonly: true });
    const row = db.prepare('SELECT id, totp_secret_sealed FROM users WHERE email = ?').get(demo.admin.email) as { id: string; totp_secret_sealed: string };
    db.close();
    expect(row.totp_secret_sealed).toMatch(/^v1\./);
    expect(row.totp_secret_sealed).not.toContain(demo.admin.totpSecret);
    const opened = createTotpSecretBox(readFileSync(join(pristine, 'master.key'))).open(row.id, row.totp_secret_sealed);
    const printed = totpSecretFromBase32(demo.admin.totpSecret);
    expect(printed.ok && opened).toEqual(printed.ok ? printed.value : null);
  });

  /** A copy of the demo install to spoil. */
  function copy(): string {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-audit-copy-'));
    cpSync(pristine, dir, { recursive: true });
    return dir;
  }

  function tamper(dir: string, statements: string[]): void {
    const db = new Database(join(dir, 'sotto.db'));
    db.exec('DROP TRIGGER audit_events_no_update; DROP TRIGGER audit_events_no_delete;');
    for (const s of statements) db.prepare(s).run(practiceId);
    db.close();
  }

  it('reports an intact chain with exit 0', () => {
    const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: pristine });
    expect(r.status, r.stderr).toBe(0);
    expect(r.stdout).toMatch(new RegExp(`chain ${practiceId}: \\d+ event\\(s\\), intact`));
  });

  it('refuses to let SQL edit an event while the triggers stand', () => {
    const db = new Database(join(copy(), 'sotto.db'));
    expect(() => db.prepare("UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 2").run()).toThrow(/append-only/);
    expect(() => db.prepare('DELETE FROM audit_events').run()).toThrow(/append-only/);
    db.close();
  });

  it.each([
    ['an edited row', ["UPDATE audit_events SET object_id = 'another-user' WHERE chain_key = ? AND seq = 5"], 5, 'hash_mismatch'],
    ['a deleted row', ['DELETE FROM audit_events WHERE chain_key = ? AND seq = 4'], 4, 'missing_events'],
    [
      'two rows swapped',
      [
        'UPDATE audit_events SET seq = -3 WHERE chain_key = ? AND seq = 3',
        'UPDATE audit_events SET seq = 3 WHERE chain_key = ? AND seq = 6',
        'UPDATE audit_events SET seq = 6 WHERE chain_key = ? AND seq = -3',
      ],
      3,
      'prev_hash_mismatch',
    ],
    ['a cut-off tail', ['DELETE FROM audit_events WHERE chain_key = ? AND seq > 10'], 11, 'truncated'],
  ] as const)('catches %s and names the first broken seq (exit 1)', (_name, statements, seq, reason) => {
    const dir = copy();
    tamper(dir, [...statements]);
    const r = sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(`chain ${practiceId}: BROKEN at seq ${seq} (${reason})`);
    if (reason === 'hash_mismatch') {
      const json = sotto(['audit', 'verify', '--json'], { SOTTO_DATA_DIR: dir });
      expect(JSON.parse(json.stdout).chains[0].result.break).toMatchObject({ seq, reason, id: expect.any(String) });
    }
  });

  it('exports JSON lines an auditor can verify offline, whole or by time range', async () => {
    const r = sotto(['audit', 'export'], { SOTTO_DATA_DIR: pristine });
    expect(r.status, r.stderr).toBe(0);
    const lines = r.stdout.trimEnd().split('\n');
    const checked = await verifyExport(lines);
    expect(checked).toMatchObject({ ok: true, header: { practiceId, chain: practiceId } });
    const count = checked.ok ? checked.count : 0;
    expect(count).toBeGreaterThan(10);
    for (const l of lines) expect(l).not.toMatch(/demo\.sotto\.invalid|Dr\. Rivera|Front Desk/);

    const file = join(mkdtempSync(join(tmpdir(), 'sotto-export-')), 'audit.jsonl');
    writeFileSync(file, r.stdout);
    expect(sotto(['audit', 'verify', '--file', file], { SOTTO_DATA_DIR: pristine }).status).toBe(0);
    const events = lines.slice(1, -1).map((l) => JSON.parse(l).event);
    const edited = readFileSync(file, 'utf8').split('\n');
    edited[3] = edited[3]!.replace(`"at":"${events[2].at}"`, `"at":"${new Date(Date.parse(events[2].at) - 1).toISOString()}"`);
    writeFileSync(file, edited.join('\n'));
    const bad = sotto(['audit', 'verify', '--file', file], { SOTTO_DATA_DIR: pristine });
    expect(bad.status).toBe(1);
    expect(bad.stderr).toContain('BROKEN at seq 3');

    const ranged = sotto(['audit', 'export', '--from', events[4].at], { SOTTO_DATA_DIR: pristine });
    const rangedCheck = await verifyExport(ranged.stdout.trimEnd().split('\n'));
    expect(rangedCheck.ok).toBe(true);
    if (rangedCheck.ok) expect(rangedCheck.header.start.seq).toBeGreaterThan(0);
    const none = await verifyExport(sotto(['audit', 'export', '--from', '2999-01-01'], { SOTTO_DATA_DIR: pristine }).stdout.trimEnd().split('\n'));
    expect(none).toMatchObject({ ok: true, count: 0 });

    // Each copy that left the box is on the log, and the log still verifies.
    const after = await verifyExport(sotto(['audit', 'export'], { SOTTO_DATA_DIR: pristine }).stdout.trimEnd().split('\n'));
    expect(after.ok).toBe(true);
    const exports = sotto(['audit', 'export'], { SOTTO_DATA_DIR: pristine }).stdout.trimEnd().split('\n').slice(1, -1).map((l) => JSON.parse(l).event).filter((e) => e.action === 'audit.export');
    expect(exports).toHaveLength(4);
    expect(exports[0]).toMatchObject({ actor: { type: 'system', id: 'cli' }, object: { type: 'audit_log', id: practiceId }, details: { lines: lines.length } });
    expect(exports[1].details).toMatchObject({ from: new Date(events[4].at).toISOString() });
  });
});
