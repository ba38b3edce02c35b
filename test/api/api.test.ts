import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';

describe.each(DIALECTS)('REST API on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  const countUsers = async () => (await t.handle.db.selectFrom('users').select('id').where('practice_id', '=', t.practice.id).execute()).length;

  describe('authentication and errors', () => {
    it('answers 401 in the JSON error shape without a valid token', async () => {
      for (const headers of [{}, bearer('sotto_not-a-real-token'), { authorization: 'Basic abc' }]) {
        const r = await t.app.inject({ method: 'GET', url: '/api/v1/practice', headers });
        expect(r.statusCode).toBe(401);
        expect(r.json()).toEqual({ error: { code: 'UNAUTHENTICATED', message: expect.any(String) } });
      }
    });

    it('answers unknown routes with 404 in the same shape', async () => {
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/nothing-here', headers: bearer(t.ownerToken) });
      expect(r.statusCode).toBe(404);
      expect(r.json().error.code).toBe('NOT_FOUND');
    });

    it('answers malformed JSON with 400 BAD_REQUEST', async () => {
      const r = await t.app.inject({ method: 'PATCH', url: '/api/v1/policy', headers: { ...bearer(t.ownerToken), 'content-type': 'application/json' }, payload: '{"texting": tru' });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('BAD_REQUEST');
    });

    it('publishes an OpenAPI document listing every route', async () => {
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' });
      expect(r.statusCode).toBe(200);
      const doc = r.json();
      expect(doc.openapi).toBe('3.1.0');
      expect(Object.keys(doc.paths)).toEqual(
        expect.arrayContaining([
          '/api/v1/practice',
          '/api/v1/policy',
          '/api/v1/users',
          '/api/v1/users/{id}',
          '/api/v1/users/{id}/devices',
          '/api/v1/users/{id}/voicemail-settings',
          '/api/v1/extensions',
          '/api/v1/devices/{id}',
          '/api/v1/compliance/posture',
        ]),
      );
    });
  });

  describe('practice and users', () => {
    it('shows the current practice', async () => {
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/practice', headers: bearer(t.staffToken) });
      expect(r.json()).toMatchObject({ id: t.practice.id, name: 'Cedar Family Medicine', tier: 'pro' });
    });

    it('lets only admins list and add users', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(t.staffToken) })).statusCode).toBe(403);
      const r = await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(t.ownerToken) });
      expect(r.statusCode).toBe(200);
      expect(r.json().items.map((u: { extension: string | null }) => u.extension)).toContain('101');
    });

    it('adds a user with an extension and shows the PIN once', async () => {
      const r = await t.app.inject({
        method: 'POST',
        url: '/api/v1/users',
        headers: bearer(t.ownerToken),
        payload: { email: 'nurse@cedar.example', displayName: 'Nina Nurse', role: 'provider', extension: '102' },
      });
      expect(r.statusCode).toBe(201);
      expect(r.json()).toMatchObject({ user: { extension: '102', role: 'provider', status: 'active' }, voicemailPin: expect.stringMatching(/^\d{6}$/) });
    });

    it.each([
      ['a missing field', { email: 'x@cedar.example', role: 'staff' }],
      ['an unknown field', { email: 'x@cedar.example', displayName: 'X', role: 'staff', isAdmin: true }],
      ['a bad role', { email: 'x@cedar.example', displayName: 'X', role: 'superuser' }],
      ['a bad email', { email: 'not-an-email', displayName: 'X', role: 'staff' }],
      ['a bad extension', { email: 'x@cedar.example', displayName: 'X', role: 'staff', extension: '1a' }],
    ])('refuses %s with 400 and writes nothing', async (_name, payload) => {
      const before = await countUsers();
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('VALIDATION_FAILED');
      expect(await countUsers()).toBe(before);
    });

    it('names the allowed values of a choice field in one issue', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: 'x@cedar.example', displayName: 'X', role: 'superuser' } });
      expect(r.statusCode).toBe(400);
      expect(r.json().error).toEqual({
        code: 'VALIDATION_FAILED',
        message: 'invalid request body: body/role must be one of: owner, admin, provider, staff',
        details: { issues: [{ path: 'body/role', rule: 'enum', message: 'must be one of: owner, admin, provider, staff' }] },
      });
    });

    it('refuses a taken extension with 409 and writes nothing', async () => {
      const before = await countUsers();
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: 'dup@cedar.example', displayName: 'D', role: 'staff', extension: '101' } });
      expect(r.statusCode).toBe(409);
      expect(r.json().error.code).toBe('EXTENSION_TAKEN');
      expect(await countUsers()).toBe(before);
    });
  });

  describe('devices', () => {
    it('returns SIP credentials once and never again', async () => {
      const r = await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'desk_phone' } });
      expect(r.statusCode).toBe(201);
      expect(r.headers['cache-control']).toBe('no-store');
      const { sip, device } = r.json();
      expect(sip).toEqual({ username: '101', password: expect.stringMatching(/^[A-Za-z2-9]{20}$/), domain: t.practice.sipDomain });
      const list = await t.app.inject({ method: 'GET', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.staffToken) });
      expect(list.json().items).toEqual([expect.objectContaining({ id: device.id, sipUsername: '101', status: 'active' })]);
      expect(list.body).not.toContain(sip.password);
    });

    it('lets an admin disable a device', async () => {
      const added = await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'ata' } });
      const id = added.json().device.id;
      expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/devices/${id}`, headers: bearer(t.staffToken) })).statusCode).toBe(403);
      const r = await t.app.inject({ method: 'DELETE', url: `/api/v1/devices/${id}`, headers: bearer(t.ownerToken) });
      expect(r.json().status).toBe('disabled');
    });
  });

  describe('voicemail settings', () => {
    const url = () => `/api/v1/users/${t.staff.id}/voicemail-settings`;

    it('starts on the safe defaults, and staff may change their own', async () => {
      const r = await t.app.inject({ method: 'GET', url: url(), headers: bearer(t.staffToken) });
      expect(r.json()).toMatchObject({ emailNotifications: true, attachAudio: false, includeTranscript: false, transcription: true, warnings: [] });
      const p = await t.app.inject({ method: 'PATCH', url: url(), headers: bearer(t.staffToken), payload: { emailNotifications: false } });
      expect(p.statusCode).toBe(200);
      expect(p.json().emailNotifications).toBe(false);
    });

    it("does not let staff read or change someone else's settings", async () => {
      const r = await t.app.inject({ method: 'GET', url: `/api/v1/users/${t.owner.id}/voicemail-settings`, headers: bearer(t.staffToken) });
      expect(r.statusCode).toBe(403);
    });

    it('refuses audio attachments while the practice forbids them, then warns once allowed', async () => {
      const refused = await t.app.inject({ method: 'PATCH', url: url(), headers: bearer(t.ownerToken), payload: { emailNotifications: true, attachAudio: true } });
      expect(refused.statusCode).toBe(403);
      expect(refused.json().error.code).toBe('FEATURE_OFF_BY_POLICY');
      expect((await t.app.inject({ method: 'GET', url: url(), headers: bearer(t.ownerToken) })).json().emailNotifications).toBe(false);

      await t.app.inject({ method: 'PATCH', url: '/api/v1/policy', headers: bearer(t.ownerToken), payload: { emailAttachmentsAllowed: true } });
      const ok = await t.app.inject({ method: 'PATCH', url: url(), headers: bearer(t.ownerToken), payload: { emailNotifications: true, attachAudio: true } });
      expect(ok.statusCode).toBe(200);
      expect(ok.json().warnings.map((w: { code: string }) => w.code)).toEqual(['PHI_IN_EMAIL_AUDIO']);
      const posture = await t.app.inject({ method: 'GET', url: '/api/v1/compliance/posture', headers: bearer(t.ownerToken) });
      const audio = posture.json().items.find((i: { feature: string }) => i.feature === 'voicemail_email_audio');
      expect(audio).toMatchObject({ level: 'risk', users: expect.arrayContaining([{ userId: t.staff.id, enabled: true }]) });
      expect(posture.json().summary.risk).toBeGreaterThan(0);
    });

    it('applies safe defaults in one click and records who changed what', async () => {
      const r = await t.app.inject({ method: 'POST', url: '/api/v1/compliance/apply-safe-defaults', headers: bearer(t.ownerToken) });
      expect(r.statusCode).toBe(200);
      expect(r.json().summary.risk).toBe(0);
      const changes = await t.app.inject({ method: 'GET', url: '/api/v1/compliance/changes', headers: bearer(t.ownerToken) });
      const features = changes.json().items.map((c: { feature: string; actor: { id: string } }) => [c.feature, c.actor.id]);
      expect(features).toEqual(expect.arrayContaining([['policy.emailAttachmentsAllowed', t.owner.id], ['voicemail.attachAudio', t.owner.id]]));
    });
  });

  describe('safe defaults, applied again', () => {
    it('records a change only for the users whose settings changed', async () => {
      await t.app.inject({ method: 'POST', url: '/api/v1/compliance/apply-safe-defaults', headers: bearer(t.ownerToken) });
      const perUser = async () =>
        (await t.handle.db.selectFrom('audit_events').select('object_id').where('practice_id', '=', t.practice.id).where('action', '=', 'settings.update').where('object_type', '=', 'voicemail_settings').execute()).length;
      const policyEvents = async () =>
        (await t.handle.db.selectFrom('audit_events').select('object_id').where('practice_id', '=', t.practice.id).where('action', '=', 'settings.update').where('object_type', '=', 'policy').execute()).length;
      const before = await perUser();
      const policyBefore = await policyEvents();
      await t.app.inject({ method: 'POST', url: '/api/v1/compliance/apply-safe-defaults', headers: bearer(t.ownerToken) });
      expect(await perUser()).toBe(before);
      expect(await policyEvents()).toBe(policyBefore);
      await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${t.staff.id}/voicemail-settings`, headers: bearer(t.ownerToken), payload: { emailNotifications: false } });
      await t.app.inject({ method: 'POST', url: '/api/v1/compliance/apply-safe-defaults', headers: bearer(t.ownerToken) });
      expect(await perUser()).toBe(before + 2);
    });
  });

  describe('policy', () => {
    it('is readable by members and changeable by admins only', async () => {
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/policy', headers: bearer(t.staffToken) })).json().texting).toBe(false);
      expect((await t.app.inject({ method: 'PATCH', url: '/api/v1/policy', headers: bearer(t.staffToken), payload: { texting: true } })).statusCode).toBe(403);
    });

    it('refuses a bad retention value whole', async () => {
      const r = await t.app.inject({ method: 'PATCH', url: '/api/v1/policy', headers: bearer(t.ownerToken), payload: { texting: true, retention: { auditDays: 30 } } });
      expect(r.statusCode).toBe(400);
      expect(r.json().error.code).toBe('RETENTION_TOO_SHORT');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/policy', headers: bearer(t.ownerToken) })).json().texting).toBe(false);
    });
  });

  describe('disabling a user', () => {
    it('ends their API token at once', async () => {
      const add = await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: 'leaver@cedar.example', displayName: 'L', role: 'admin' } });
      const id = add.json().user.id;
      const { createApiToken, CLI_ACTOR } = await import('../../src/directory/index.ts');
      const { token } = await createApiToken(t.handle.db, t.practice.id, id, 'admin', 't', CLI_ACTOR);
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(token) })).statusCode).toBe(200);
      expect((await t.app.inject({ method: 'POST', url: `/api/v1/users/${id}/disable`, headers: bearer(t.ownerToken) })).json().status).toBe('disabled');
      expect((await t.app.inject({ method: 'GET', url: '/api/v1/users', headers: bearer(token) })).statusCode).toBe(401);
    });
  });

  describe('logs', () => {
    it('carry no PHI pushed through requests', async () => {
      const phi = ['(555) 867-5309', 'patient.jane@example.org', 'sip:+15558675309@carrier.example', 'Jane Q Patient'];
      await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: phi[1], displayName: phi[3], role: 'staff', extension: '5558675309' } });
      await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: phi[1], displayName: phi[3], role: 'staff' } });
      await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: phi[1], displayName: phi[3], role: 'staff' } });
      await t.app.inject({ method: 'GET', url: `/api/v1/users/${encodeURIComponent(phi[2]!)}?caller=${encodeURIComponent(phi[0]!)}`, headers: bearer(t.ownerToken) });
      await t.app.inject({ method: 'GET', url: `/api/v1/nowhere/${encodeURIComponent(phi[1]!)}`, headers: { authorization: `Bearer ${phi[0]}` } });
      const logs = t.logText();
      expect(logs.length).toBeGreaterThan(0);
      for (const v of [...phi, '8675309', 'patient.jane', 'Jane']) expect(logs).not.toContain(v);
      expect(logs).toContain('"route"');
    });
  });
});
