// An audited write the audit log's append guard refuses (audit/append-guard.ts)
// answers 503 AUDIT_UNAVAILABLE, without Retry-After, and leaves every table
// as it was: the event is written in the action's transaction, so the
// refusal takes the action back with it. Before, it was a bare 500 INTERNAL.
import { randomBytes } from 'node:crypto';
import type { InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditKeyring } from '../../src/audit/index.ts';
import { bindAuditKeys, rekeyAuditLog } from '../../src/db/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';

describe.each(DIALECTS)('an audited write the audit log refuses, on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
    // What the runtime does at start: the install's audit key bound, the chains ending under it.
    await rekeyAuditLog(t.handle.db, auditKeyring(t.masterKey));
  });
  afterAll(() => t.close());

  const snapshot = (): Promise<Record<string, string[]>> => tableSnapshot(t.handle);

  const newUser = (n: string): InjectOptions => ({
    method: 'POST',
    url: '/api/v1/users',
    headers: bearer(t.ownerToken),
    payload: { email: `late${n}@cedar.example`, displayName: 'Late Comer', role: 'provider', extension: `17${n}` },
  });
  const policy = (): InjectOptions => ({ method: 'PATCH', url: '/api/v1/policy', headers: bearer(t.ownerToken), payload: { callRecording: true } });

  async function refusedWithoutTrace(request: InjectOptions, auditCode: string): Promise<void> {
    const before = await snapshot();
    const r = await t.app.inject(request);
    expect([r.statusCode, r.json().error.code], r.body).toEqual([503, 'AUDIT_UNAVAILABLE']);
    expect(r.json().error.message).toBe('the audit log cannot record this action, so nothing was changed; an administrator must check the audit log (`sotto audit verify`)');
    // Waiting does not help: an operator must look first.
    expect(r.headers['retry-after']).toBeUndefined();
    expect(await snapshot()).toEqual(before);
    expect(t.logText()).toContain(`"code":"${auditCode}"`);
  }

  it('is listed under 503 on the audited routes of the OpenAPI document', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    for (const [path, method] of [['/api/v1/users', 'post'], ['/api/v1/policy', 'patch']] as const) {
      expect(doc.paths[path][method].responses['503'].description, `${method} ${path}`).toMatch(/\bAUDIT_UNAVAILABLE\b/);
    }
  });

  it('writes while the chain ends under the audit key', async () => {
    expect((await t.app.inject(newUser('1'))).statusCode).toBe(201);
  });

  it('answers 503 AUDIT_UNAVAILABLE when the chain moved on to an audit key this server does not hold (keys rotated since it started)', async () => {
    bindAuditKeys(t.handle.db, auditKeyring(randomBytes(32)));
    try {
      await refusedWithoutTrace(newUser('2'), 'AUDIT_KEY_SUPERSEDED');
    } finally {
      bindAuditKeys(t.handle.db, auditKeyring(t.masterKey));
    }
  });

  it('answers 503 AUDIT_UNAVAILABLE once the last event is stripped of its tag behind Sotto: no user, extension, box, policy or event', async () => {
    if (dialect === 'postgres') await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_append_only`.execute(t.handle.db);
    else await sql`DROP TRIGGER audit_events_no_update`.execute(t.handle.db);
    const { seq } = await t.handle.db.selectFrom('audit_chain_heads').select('seq').where('chain_key', '=', t.practice.id).executeTakeFirstOrThrow();
    await t.handle.db.updateTable('audit_events').set({ key_id: null, mac: null }).where('chain_key', '=', t.practice.id).where('seq', '=', Number(seq)).execute();
    await refusedWithoutTrace(newUser('3'), 'AUDIT_CHAIN_UNAUTHENTICATED');
    await refusedWithoutTrace(policy(), 'AUDIT_CHAIN_UNAUTHENTICATED');
  });
});
