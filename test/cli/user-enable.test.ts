// `sotto user enable`: the operator's twin of POST /users/{id}/enable. A
// disabled user is active again, once (a repeat records nothing), and what
// disabling ended (API tokens, SIP devices) stays ended.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sotto } from '../support/cli.ts';

function rows(dataDir: string, sql: string): unknown[] {
  const db = new Database(join(dataDir, 'sotto.db'), { readonly: true });
  try {
    return db.prepare(sql).all();
  } finally {
    db.close();
  }
}

describe('sotto user enable', { timeout: 180_000 }, () => {
  it('enables a disabled user once; tokens and devices stay ended', () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-enable-')) };
    expect(sotto(['admin', 'create', '--email', 'owner@elm.example', '--name', 'Elm Owner', '--practice-name', 'Elm Clinic', '--json'], env).status).toBe(0);
    const added = sotto(['user', 'add', '--email', 'desk@elm.example', '--name', 'Desk', '--extension', '301', '--device', 'softphone', '--json'], env);
    expect(added.status, added.stderr).toBe(0);
    const id = JSON.parse(added.stdout).user.id as string;
    expect(sotto(['token', 'create', '--role', 'staff', '--user', 'desk@elm.example'], env).status).toBe(0);
    expect(sotto(['user', 'disable', 'desk@elm.example'], env).status).toBe(0);

    const first = sotto(['user', 'enable', 'desk@elm.example'], env);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toBe(`User ${id} enabled: they can sign in with their password again. Their API tokens stay revoked and their SIP devices disabled: add new ones.\n`);
    const again = sotto(['user', 'enable', id, '--json'], env);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual({ user: { id, status: 'active' }, alreadyActive: true });

    expect(rows(env.SOTTO_DATA_DIR, `select status from users where id = '${id}'`)).toEqual([{ status: 'active' }]);
    expect(rows(env.SOTTO_DATA_DIR, `select status from devices where user_id = '${id}'`)).toEqual([{ status: 'disabled' }]);
    expect(rows(env.SOTTO_DATA_DIR, `select count(*) as n from api_tokens where user_id = '${id}' and revoked_at is null`)).toEqual([{ n: 0 }]);
    expect(rows(env.SOTTO_DATA_DIR, "select count(*) as n from audit_events where action = 'user.reactivate'")).toEqual([{ n: 1 }]);
    expect(sotto(['audit', 'verify'], env).status).toBe(0);

    const missing = sotto(['user', 'enable'], env);
    expect(missing.status).toBe(2);
    expect(missing.stderr).toContain('(MISSING_ARGUMENT)');
  });
});
