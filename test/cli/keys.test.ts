import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { createTotpSecretBox, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { sotto } from '../support/cli.ts';

describe('sotto keys', { timeout: 180_000 }, () => {
  it('rotates the master key, re-sealing MFA secrets so admins can still sign in', () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-keys-')) };
    const demo = JSON.parse(sotto(['demo', '--json'], env).stdout);
    const before = JSON.parse(sotto(['keys', 'status', '--json'], env).stdout);
    expect(before.masterKeyId).toMatch(/^mk_/);

    const rotated = sotto(['keys', 'rotate', '--json'], env);
    expect(rotated.status, rotated.stderr).toBe(0);
    const r = JSON.parse(rotated.stdout);
    expect(r).toMatchObject({ from: before.masterKeyId, totpSecretsResealed: 1 });
    expect(r.to).not.toBe(r.from);

    const after = JSON.parse(sotto(['keys', 'status', '--json'], env).stdout);
    expect(after).toMatchObject({ masterKeyId: r.to, staleDataKeys: 0 });
    expect(after.dataKeys.every((k: { current: boolean }) => k.current)).toBe(true);

    const db = new Database(join(env.SOTTO_DATA_DIR, 'sotto.db'), { readonly: true });
    const row = db.prepare('select id, totp_secret_sealed from users where email = ?').get(demo.admin.email) as { id: string; totp_secret_sealed: string };
    // The rotation is on the practice's audit trail, naming both master keys.
    const rotations = db.prepare("select practice_id, object_id, details from audit_events where action = 'key.rotate'").all() as { practice_id: string; object_id: string; details: string }[];
    db.close();
    expect(rotations.map((e) => ({ ...e, details: JSON.parse(e.details) }))).toEqual([
      { practice_id: demo.practice.id, object_id: before.dataKeys[0].keyId, details: { fromMasterKeyId: r.from, toMasterKeyId: r.to, wrappedBy: r.to } },
    ]);
    expect(sotto(['audit', 'verify'], env).status).toBe(0);
    const opened = createTotpSecretBox(readFileSync(join(env.SOTTO_DATA_DIR, 'master.key'))).open(row.id, row.totp_secret_sealed);
    const printed = totpSecretFromBase32(demo.admin.totpSecret);
    expect(printed.ok && opened).toEqual(printed.ok ? printed.value : null);

    // The demo's credentials come from the practice's data key, which rotation re-wraps but keeps:
    // a second `sotto demo` after the rotation prints the same, still-valid credentials.
    const again = sotto(['demo', '--json'], env);
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(demo);
  });
});
