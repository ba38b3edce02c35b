// GET /api/v1/audit-events/verify: the portal's "chain verified" badge. It
// must say ok for an untouched log, name the first broken link after someone
// edits a row in the database, be for admins only, and be recorded itself;
// like `sotto audit verify`, it names the audit key of each range of events,
// so an auditor sees after which event a key rotation took effect.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditKeyring } from '../../src/audit/index.ts';
import { rekeyAuditLog } from '../../src/db/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';

describe.each(DIALECTS)('GET /api/v1/audit-events/verify on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  const verify = (token = t.ownerToken) => t.app.inject({ method: 'GET', url: '/api/v1/audit-events/verify', headers: bearer(token) });

  /** Someone with the database's owner rights gets past the append-only triggers (again: later tests do it too). */
  async function pastTheTriggers(): Promise<void> {
    if (dialect === 'postgres') await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`.execute(t.handle.db);
    else await sql`DROP TRIGGER IF EXISTS audit_events_no_update`.execute(t.handle.db);
  }

  /** The practice's re-keying checkpoints (audit/checkpoint.ts), in chain order. */
  async function checkpoints(): Promise<Array<{ seq: number; id: string }>> {
    const rows = await t.handle.db
      .selectFrom('audit_events')
      .select(['seq', 'id'])
      .where('chain_key', '=', t.practice.id)
      .where('action', '=', 'audit.key_checkpoint')
      .orderBy('seq')
      .execute();
    return rows.map((r) => ({ seq: Number(r.seq), id: r.id }));
  }

  // The install's first audit key and, after the rotation, its second; the rotation's checkpoint.
  const first = () => auditKeyring(t.masterKey).current.id;
  const next = randomBytes(32);
  let rotation = { seq: 0, id: '' };

  it('is for admins only', async () => {
    const r = await verify(t.staffToken);
    expect(r.statusCode).toBe(403);
    expect(r.json().error.code).toBeDefined();
  });

  it('reports an untouched chain as holding, up to its head, and records that it was asked', async () => {
    const r = await verify();
    expect(r.statusCode, r.body).toBe(200);
    expect(r.headers['cache-control']).toBe('no-store');
    const body = r.json();
    expect(body).toMatchObject({ ok: true, break: null, head: { seq: body.verifiedCount, hash: expect.stringMatching(/^[0-9a-f]{64}$/) } });
    expect(body.verifiedCount).toBeGreaterThan(3);
    // Written before the install had an audit key: no event is tagged, so no key to name.
    expect(body).toMatchObject({ keyedFrom: null, authenticated: false });
    expect(body.keySegments).toEqual([]);
    const [asked] = (await t.app.inject({ method: 'GET', url: '/api/v1/audit-events?action=audit.verify', headers: bearer(t.ownerToken) })).json().items;
    expect(asked).toMatchObject({ actor: { type: 'user', id: t.owner.id }, object: { type: 'audit_log', id: t.practice.id }, details: { ok: true, count: body.verifiedCount } });
    // The recorded question extends the chain, which still holds.
    expect((await verify()).json()).toMatchObject({ ok: true, verifiedCount: body.verifiedCount + 2 });
  });

  it("names one audit key from the event that keyed the chain, the install's, up to the head", async () => {
    // What the runtime does at start: the install's audit key bound, the unkeyed chain ended by a checkpoint under it.
    const outcomes = await rekeyAuditLog(t.handle.db, auditKeyring(t.masterKey));
    const [keyed] = await checkpoints();
    expect(outcomes.find((o) => o.chain === t.practice.id)).toEqual({ chain: t.practice.id, outcome: 'upgraded', seq: keyed!.seq });
    await verify(); // one more event under the key: the segment runs past its first
    const body = (await verify()).json();
    expect(body).toMatchObject({ ok: true, authenticated: true, keyedFrom: keyed, head: { seq: keyed!.seq + 1 } });
    expect(body.keySegments).toEqual([{ keyId: first(), fromSeq: keyed!.seq, fromId: keyed!.id, toSeq: keyed!.seq + 1, checkpoint: false }]);
  });

  it('names both keys after a rotation: the old one up to the checkpoint, the new one from it', async () => {
    // What `sotto keys rotate` does to the audit log: the new master key's audit key current, the old one retired, each chain checkpointed onto the new.
    const outcomes = await rekeyAuditLog(t.handle.db, auditKeyring(next, [t.masterKey]));
    const [keyed, rotated] = await checkpoints();
    rotation = rotated!;
    expect(outcomes.find((o) => o.chain === t.practice.id)).toEqual({ chain: t.practice.id, outcome: 'checkpointed', seq: rotation.seq, fromKeyId: first() });
    const body = (await verify()).json();
    expect(body).toMatchObject({ ok: true, authenticated: true, keyedFrom: keyed, head: { seq: rotation.seq } });
    expect(body.keySegments).toEqual([
      { keyId: first(), fromSeq: keyed!.seq, fromId: keyed!.id, toSeq: rotation.seq - 1, checkpoint: false },
      { keyId: auditKeyring(next).current.id, fromSeq: rotation.seq, fromId: rotation.id, toSeq: rotation.seq, checkpoint: true },
    ]);
  });

  it('names the keys of the events checked before a break: a tag rewritten behind Sotto', async () => {
    await verify(); // the tail stays intact: an append links only onto a tail whose tag checks out (audit/append-guard.ts)
    await pastTheTriggers();
    // The event the rotation test's verify recorded, the first under the new key after its checkpoint.
    await t.handle.db.updateTable('audit_events').set({ mac: '0'.repeat(64) }).where('chain_key', '=', t.practice.id).where('seq', '=', rotation.seq + 1).execute();
    const body = (await verify()).json();
    expect(body).toMatchObject({ ok: false, head: null, verifiedCount: rotation.seq, break: { seq: rotation.seq + 1, reason: 'mac_mismatch' } });
    const [keyed] = await checkpoints();
    expect(body.keySegments).toEqual([
      { keyId: first(), fromSeq: keyed!.seq, fromId: keyed!.id, toSeq: rotation.seq - 1, checkpoint: false },
      { keyId: auditKeyring(next).current.id, fromSeq: rotation.seq, fromId: rotation.id, toSeq: rotation.seq, checkpoint: true },
    ]);
  });

  it('names the first edited event when a row is changed behind Sotto', async () => {
    await pastTheTriggers();
    await t.handle.db.updateTable('audit_events').set({ action: 'user.update' }).where('chain_key', '=', t.practice.id).where('seq', '=', 2).execute();
    const body = (await verify()).json();
    expect(body).toMatchObject({ ok: false, head: null, verifiedCount: 1, break: { seq: 2, reason: 'hash_mismatch' } });
    // Only the unkeyed first event holds: no key to name.
    expect(body.keySegments).toEqual([]);
  });
});
