// Operator audit findings: `sotto token create` without --role made a staff
// token without a word (README lists --role as required), and a second
// `sotto user disable` wrote a second audit event for a change it did not make.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { sotto } from '../support/cli.ts';

function count(dataDir: string, sql: string): number {
  const db = new Database(join(dataDir, 'sotto.db'), { readonly: true });
  try {
    return (db.prepare(sql).get() as { n: number }).n;
  } finally {
    db.close();
  }
}

describe('sotto token create and user disable', { timeout: 180_000 }, () => {
  it('refuses a token without --role as a usage error, and disables a user once', () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-repeat-')) };
    const admin = sotto(['admin', 'create', '--email', 'owner@birch.example', '--name', 'Birch Owner', '--practice-name', 'Birch Dental', '--json'], env);
    expect(admin.status, admin.stderr).toBe(0);
    const added = sotto(['user', 'add', '--email', 'desk@birch.example', '--name', 'Desk', '--extension', '201', '--device', 'softphone', '--json'], env);
    expect(added.status, added.stderr).toBe(0);
    const user = JSON.parse(added.stdout);

    const noRole = sotto(['token', 'create'], env);
    expect(noRole.status).toBe(2);
    expect(noRole.stderr).toContain('(MISSING_ARGUMENT)');
    expect(noRole.stderr).toContain('--role');
    const noRoleJson = sotto(['token', 'create', '--user', 'desk@birch.example', '--json'], env);
    expect(noRoleJson.status).toBe(2);
    expect(JSON.parse(noRoleJson.stdout).error.code).toBe('MISSING_ARGUMENT');
    const badRole = sotto(['token', 'create', '--role', 'owner'], env);
    expect(badRole.status).toBe(2);
    expect(badRole.stderr).toContain('(INVALID_ROLE)');
    expect(count(env.SOTTO_DATA_DIR, 'select count(*) as n from api_tokens')).toBe(0);
    const staff = sotto(['token', 'create', '--role', 'staff', '--user', 'desk@birch.example', '--json'], env);
    expect(staff.status, staff.stderr).toBe(0);
    expect(JSON.parse(staff.stdout)).toMatchObject({ role: 'staff', userId: user.user.id });

    const first = sotto(['user', 'disable', 'desk@birch.example'], env);
    expect(first.status, first.stderr).toBe(0);
    expect(first.stdout).toContain('disabled; API tokens revoked; 1 SIP device(s) disabled');
    const second = sotto(['user', 'disable', 'desk@birch.example'], env);
    expect(second.status, second.stderr).toBe(0);
    expect(second.stdout).toBe(`User ${user.user.id} was already disabled; nothing changed.\n`);
    const third = sotto(['user', 'disable', user.user.id, '--json'], env);
    expect(third.status, third.stderr).toBe(0);
    expect(JSON.parse(third.stdout)).toEqual({ user: { id: user.user.id, status: 'disabled' }, disabledDevices: [], alreadyDisabled: true });
    expect(count(env.SOTTO_DATA_DIR, "select count(*) as n from audit_events where action = 'user.deactivate'")).toBe(1);
    expect(sotto(['audit', 'verify'], env).status).toBe(0);
  });
});
