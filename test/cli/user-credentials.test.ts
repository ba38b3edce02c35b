// The operator's way back in for a locked-out owner: no one in the portal
// can reset the only owner's password or two-step sign-in, so the box's
// shell must. Each change is audited as the CLI's (a system actor) and queues
// the owner's security notice for the running server to send.
import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { createPasswordHasher } from '../../src/auth/index.ts';
import { findUserByEmail, getPortalAccount, getSecondFactor } from '../../src/directory/index.ts';
import { SOTTO_BIN, sotto } from '../support/cli.ts';

const NEW_PASSWORD = 'kettle orchard lantern ninety';

describe('sotto user password and sotto user mfa-reset', { timeout: 180_000 }, () => {
  it('give the demo owner a new password from stdin and clear their authenticator; audited as the CLI; a demo rerun sets neither back', async () => {
    // Notices go to the outbox only when email is configured; nothing is sent here (no server runs).
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-credentials-')), SOTTO_SMTP_URL: 'smtp://127.0.0.1:2525' };
    const demo = JSON.parse(sotto(['demo', '--json'], env).stdout) as { practice: { id: string }; admin: { email: string; password: string; totpSecret: string } };
    const run = (args: string[], input = '') => spawnSync(process.execPath, [SOTTO_BIN, ...args], { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60_000 });

    const weak = run(['user', 'password', demo.admin.email, '--password', 'password1234']);
    expect([weak.status, weak.stderr.trim()]).toEqual([2, 'sotto: the password is not accepted: it is on the list of commonly used passwords (WEAK_PASSWORD)']);

    const changed = run(['user', 'password', demo.admin.email, '--json'], `${NEW_PASSWORD}\n`);
    expect(changed.status, changed.stderr).toBe(0);
    expect(JSON.parse(changed.stdout)).toEqual({ user: { id: expect.any(String) }, passwordChanged: true, endedSessions: 0, revokedTokens: 1, noticeQueued: true });

    const reset = run(['user', 'mfa-reset', demo.admin.email, '--json']);
    expect(reset.status, reset.stderr).toBe(0);
    expect(JSON.parse(reset.stdout)).toEqual({ user: { id: expect.any(String) }, reset: true, endedSessions: 0, recoveryCodesCleared: 0, noticeQueued: true });
    const again = run(['user', 'mfa-reset', demo.admin.email]);
    expect([again.status, again.stdout]).toEqual([0, `User ${JSON.parse(reset.stdout).user.id} has no two-step sign-in set up; nothing changed.\n`]);

    const rerun = JSON.parse(sotto(['demo', '--json'], env).stdout);
    expect(rerun.admin).toEqual({ email: demo.admin.email, password: null, totpSecret: null });

    const rt = await openRuntime(loadConfig(env), createLogger('silent', pino.destination(2)));
    try {
      const db = rt.database.db;
      const owner = (await findUserByEmail(db, demo.practice.id, demo.admin.email))!;
      const account = (await getPortalAccount(db, demo.practice.id, owner.id))!;
      expect(await createPasswordHasher().verify(account.passwordHash!, NEW_PASSWORD)).toBe(true);
      expect(account.mfaEnrolled).toBe(false);
      expect((await getSecondFactor(db, demo.practice.id, owner.id)).totpSecretSealed).toBeNull();
      const events = await db
        .selectFrom('audit_events')
        .select(['action', 'actor_type', 'actor_id', 'details'])
        .where('object_id', '=', owner.id)
        .where('action', 'in', ['auth.password_change', 'auth.mfa_reset', 'auth.mfa_enroll'])
        .orderBy('seq')
        .execute();
      expect(events.map((e) => [e.action, e.actor_type, e.actor_id])).toEqual([
        ['auth.mfa_enroll', 'system', 'cli'],
        ['auth.password_change', 'system', 'cli'],
        ['auth.mfa_reset', 'system', 'cli'],
      ]);
      expect(events[1]!.details).toContain('"by":"operator"');
      const queued = await db.selectFrom('notify_outbox').select(['job', 'state']).orderBy('created_at').execute();
      expect(queued.map((q) => [JSON.parse(q.job).event, JSON.parse(q.job).userId, q.state])).toEqual([
        ['password_changed', owner.id, 'pending'],
        ['mfa_reset', owner.id, 'pending'],
      ]);
    } finally {
      await rt.close();
    }
    expect(sotto(['audit', 'verify'], env).status).toBe(0);
  });
});
