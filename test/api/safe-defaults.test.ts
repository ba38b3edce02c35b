// "Apply safe defaults" is all or nothing (review finding: it ran one
// transaction per user, so a failure half-way left the practice's switches
// and some users changed and the rest not). The failure is injected by the
// database itself: a trigger refusing the update of one user's settings.
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, CLI_ACTOR, updatePolicy, updateVoicemailSettings } from '../../src/directory/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';

describe.each(DIALECTS)('apply safe defaults on %s', (dialect) => {
  let t: TestApi;
  let lastUserId: string;
  beforeAll(async () => {
    t = await createTestApi(dialect);
    for (const [n, ext] of [[1, '102'], [2, '103']] as const) {
      lastUserId = (await addUser(t.handle.db, t.practice.id, { email: `nurse${n}@cedar.example`, displayName: `Nurse ${n}`, role: 'provider', extension: ext }, CLI_ACTOR)).user.id;
    }
    // Every user sends audio by email: the unsafe state the posture page offers to undo.
    await updatePolicy(t.handle.db, t.practice.id, { emailAttachmentsAllowed: true, callRecording: true }, CLI_ACTOR);
    for (const id of [t.staff.id, lastUserId]) await updateVoicemailSettings(t.handle.db, t.practice.id, id, { attachAudio: true }, CLI_ACTOR);
  });
  afterAll(() => t.close());

  /** What an admin would see change: the switches, every user's settings, the audit log and the change history. */
  async function snapshot() {
    const db = t.handle.db;
    return {
      policy: await db.selectFrom('practice_policy').selectAll().where('practice_id', '=', t.practice.id).executeTakeFirstOrThrow(),
      settings: await db.selectFrom('voicemail_settings').selectAll().where('practice_id', '=', t.practice.id).orderBy('user_id').execute(),
      events: (await db.selectFrom('audit_events').select('seq').where('chain_key', '=', t.practice.id).execute()).length,
      featureChanges: (await db.selectFrom('feature_changes').select('id').where('practice_id', '=', t.practice.id).execute()).length,
    };
  }

  async function refuseUpdatesOf(userId: string): Promise<void> {
    // The id is a server-made UUID, inlined because DDL takes no bind parameters.
    if (!/^[0-9a-f-]+$/.test(userId)) throw new Error('unexpected id');
    if (dialect === 'sqlite') {
      await sql.raw(`CREATE TRIGGER refuse_update BEFORE UPDATE ON voicemail_settings WHEN NEW.user_id = '${userId}' BEGIN SELECT RAISE(ABORT, 'injected failure'); END`).execute(t.handle.db);
    } else {
      await sql.raw(`CREATE FUNCTION refuse_update() RETURNS trigger LANGUAGE plpgsql AS $$ BEGIN RAISE EXCEPTION 'injected failure'; END $$`).execute(t.handle.db);
      await sql.raw(`CREATE TRIGGER refuse_update BEFORE UPDATE ON voicemail_settings FOR EACH ROW WHEN (NEW.user_id = '${userId}') EXECUTE FUNCTION refuse_update()`).execute(t.handle.db);
    }
  }

  async function allowUpdates(): Promise<void> {
    if (dialect === 'sqlite') await sql.raw('DROP TRIGGER refuse_update').execute(t.handle.db);
    else await sql.raw('DROP TRIGGER refuse_update ON voicemail_settings; DROP FUNCTION refuse_update()').execute(t.handle.db);
  }

  it('changes nothing at all when one user cannot be changed, and everything once it can', async () => {
    const before = await snapshot();
    await refuseUpdatesOf(lastUserId);
    const failed = await t.app.inject({ method: 'POST', url: '/api/v1/compliance/apply-safe-defaults', headers: bearer(t.ownerToken) });
    await allowUpdates();
    expect(failed.statusCode).toBe(500);
    expect(failed.json().error.code).toBe('INTERNAL');
    expect(await snapshot()).toEqual(before);
    const posture = await t.app.inject({ method: 'GET', url: '/api/v1/compliance/posture', headers: bearer(t.ownerToken) });
    expect(posture.json().summary.risk).toBeGreaterThan(0);

    const applied = await t.app.inject({ method: 'POST', url: '/api/v1/compliance/apply-safe-defaults', headers: bearer(t.ownerToken) });
    expect(applied.statusCode, applied.body).toBe(200);
    expect(applied.json().summary.risk).toBe(0);
    const after = await snapshot();
    expect(after.settings.map((s) => s.attach_audio)).toEqual(before.settings.map(() => 0));
    expect(after.policy).toMatchObject({ email_attachments_allowed: 0, call_recording: 0 });
    // One event for the practice's switches, one per user that changed.
    expect(after.events - before.events).toBe(3);
  });
});
