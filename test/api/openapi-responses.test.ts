// The OpenAPI document lists every answer a route really gives. The routes
// come from Fastify itself; each is driven into its failures for real (no
// credentials, the wrong role, a cookie without its CSRF token, broken,
// oversized and mistyped bodies, unknown ids, a throttled sign-in, a
// database that refuses connections, a lost blob …). Every error must come
// in the one shape with a code from src/api/error-codes.ts at that code's
// status, and be listed under its route and status in the document; and a
// status the document lists must have been seen, unless only a bug or a race
// brings it about (NOT_PRODUCED).
import { createServer } from 'node:net';
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import { Kysely, PostgresDialect } from 'kysely';
import pg from 'pg';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES, type ApiErrorCode } from '../../src/api/error-codes.ts';
import { buildApi, registeredRoutes } from '../../src/api/server.ts';
import { totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { KyselySessionStore, newId, type Database } from '../../src/db/index.ts';
import { addUser, CLI_ACTOR, createApiToken, disableUser } from '../../src/directory/index.ts';
import { bearer, createTestApi, PORTAL_ORIGIN, type TestApi } from '../support/api.ts';
import { asPortal, COOKIE, sessionFrom, signIn } from '../support/portal.ts';
import { boxOf, leaveMessage, pcmWav, tone } from '../support/voicemail.ts';

/** Served but not part of the API contract: the portal's page and the document itself. */
const HIDDEN = new Set(['GET /', 'GET /api/v1/openapi.json']);

/** Codes only a bug (INTERNAL) or a lost race for the audit chain (AUDIT_BUSY) brings about; listed from reading the code. */
const NOT_PRODUCED: ReadonlySet<ApiErrorCode> = new Set(['INTERNAL', 'AUDIT_BUSY']);

const PASSWORD = 'a long enough portal passphrase';
const UNKNOWN_ID = '00000000-0000-7000-8000-000000000000';

type Responses = Record<string, { description: string; headers?: Record<string, unknown> }>;
interface Operation {
  responses: Responses;
  requestBody?: unknown;
  parameters?: Array<{ in: string; name: string }>;
}
type Doc = { paths: Record<string, Record<string, Operation>> };

const openApiPath = (url: string) => url.replace(/:([A-Za-z]+)/g, '{$1}');
const operationOf = (doc: Doc, key: string): Operation | undefined => {
  const [method, url] = key.split(' ') as [string, string];
  return doc.paths[openApiPath(url)]?.[method.toLowerCase()];
};
/** The codes an error response lists in its description ("Error codes: A, B"). */
const documentedCodes = (op: Operation, status: number): string[] => op.responses[String(status)]?.description.match(/[A-Z][A-Z0-9_]+/g) ?? [];

/** A valid body for each route that takes one, so a request gets past validation to what is tested. */
function validBody(key: string, ids: { user: string }): Pick<InjectOptions, 'payload' | 'headers'> {
  const json = (payload: object) => ({ payload: payload as Record<string, unknown> });
  switch (key) {
    case 'POST /api/v1/session':
      return json({ email: 'nobody@cedar.example', password: 'wrong' });
    case 'POST /api/v1/session/mfa':
    case 'POST /api/v1/session/mfa/enrolment/confirm':
    case 'POST /api/v1/session/mfa/recovery-codes':
      return json({ code: '000000' });
    case 'POST /api/v1/session/password':
      return json({ currentPassword: 'not the password', newPassword: 'kettle orchard lantern ninety' });
    case 'POST /api/v1/break-glass':
      return json({ targetType: 'user', targetId: ids.user, reason: 'a patient called back about a lab result' });
    case 'PATCH /api/v1/practice':
      return json({ name: 'Cedar Family Medicine' });
    case 'PATCH /api/v1/policy':
      return json({ texting: false });
    case 'POST /api/v1/users':
      return json({ email: `new${newId().slice(-8)}@cedar.example`, displayName: 'New Person', role: 'staff' });
    case 'PATCH /api/v1/users/:id':
      return json({ displayName: 'Renamed' });
    case 'POST /api/v1/users/:id/devices':
      return json({ kind: 'desk_phone' });
    case 'PATCH /api/v1/users/:id/voicemail-settings':
      return json({ emailNotifications: true });
    case 'PATCH /api/v1/users/:id/call-settings':
      return json({ doNotDisturb: false });
    case 'PATCH /api/v1/voicemails/:id':
      return json({ heard: true });
    case 'PUT /api/v1/legal-holds/users/:id':
    case 'PUT /api/v1/legal-holds/voicemails/:id':
      return json({ reference: 'CASE-2026-17' });
    case 'PUT /api/v1/voicemail-boxes/:id/greetings/:which':
      return { payload: pcmWav(tone(1000)), headers: { 'content-type': 'audio/wav' } };
    default:
      return {};
  }
}

const concreteUrl = (url: string, id: string) => url.replace(':id', id).replace(':which', 'busy');

describe('the OpenAPI document lists every answer each route gives', () => {
  let t: TestApi;
  let doc: Doc;
  let routes: Array<{ key: string; method: string; url: string; access: string | undefined }>;
  /** route key -> status -> codes seen. */
  const seen = new Map<string, Map<number, Set<string>>>();
  let remote = 0;
  const nextAddress = () => `198.51.100.${(++remote % 250) + 1}`;

  /** Checks an answer's shape and code, and notes it for the final comparison with the document. */
  function note(key: string, r: LightMyRequestResponse): LightMyRequestResponse {
    if (r.statusCode < 400) return r;
    const body = r.json();
    expect(Object.keys(body), `${key} ${r.statusCode}: ${r.body}`).toEqual(['error']);
    expect(Object.keys(body.error).filter((k) => !['code', 'message', 'details'].includes(k)), key).toEqual([]);
    expect(typeof body.error.message, key).toBe('string');
    const code = body.error.code as ApiErrorCode;
    expect(API_ERROR_CODES[code]?.status, `${key}: ${code} is answered with ${r.statusCode}`).toBe(r.statusCode);
    if (r.statusCode === 429 || r.statusCode === 503) expect(Number(r.headers['retry-after']), `${key} ${code} retry-after`).toBeGreaterThan(0);
    const byStatus = seen.get(key) ?? new Map<number, Set<string>>();
    seen.set(key, byStatus.set(r.statusCode, (byStatus.get(r.statusCode) ?? new Set()).add(code)));
    return r;
  }

  /** One request; `body` (from validBody) adds its content type to the headers rather than replacing them. */
  async function call(key: string, opts: Omit<InjectOptions, 'method'>, body: Pick<InjectOptions, 'payload' | 'headers'> = {}): Promise<LightMyRequestResponse> {
    const [method] = key.split(' ') as [InjectOptions['method']];
    const headers = { ...(opts.headers ?? {}), ...(body.headers ?? {}) };
    return note(key, await t.app.inject({ method, remoteAddress: nextAddress(), ...opts, ...(body.payload !== undefined ? { payload: body.payload } : {}), headers }));
  }

  async function memberWithPassword(role: 'staff' | 'admin' | 'owner') {
    const email = `m${newId().slice(-10)}@cedar.example`;
    const { user } = await addUser(t.handle.db, t.practice.id, { email, displayName: 'Member', role, passwordHash: await t.hasher.hash(PASSWORD) }, CLI_ACTOR);
    return { user, email };
  }

  beforeAll(async () => {
    t = await createTestApi('sqlite');
    doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    routes = registeredRoutes(t.app)
      .map((r) => ({ ...r, key: `${r.method} ${r.url}` }))
      .filter((r) => !HIDDEN.has(r.key) && r.method !== 'HEAD');
  });
  afterAll(() => t.close());

  it('documents every route Fastify serves', () => {
    expect(routes.length).toBeGreaterThan(30);
    for (const r of routes) expect(operationOf(doc, r.key), r.key).toBeDefined();
  });

  it('answers 401 to a request without credentials', async () => {
    for (const r of routes.filter((r) => r.access !== 'public')) {
      const res = await call(r.key, { url: concreteUrl(r.url, UNKNOWN_ID) });
      expect([res.statusCode, res.json().error.code], r.key).toEqual([401, 'UNAUTHENTICATED']);
    }
  });

  it('answers 403 to a portal cookie without its CSRF token, or an admin still without two-factor sign-in', async () => {
    const { email } = await memberWithPassword('admin');
    const s = sessionFrom(await signIn(t.app, email, PASSWORD, nextAddress()));
    for (const r of routes.filter((r) => r.access !== 'public' && r.access !== 'mfa-pending')) {
      const res = await call(r.key, { url: concreteUrl(r.url, t.owner.id), headers: { cookie: `${COOKIE}=${s.cookie}`, origin: PORTAL_ORIGIN } }, validBody(r.key, { user: t.owner.id }));
      if (r.method !== 'GET') expect([res.statusCode, res.json().error.code], r.key).toEqual([403, 'CSRF_REJECTED']);
    }
  });

  it("answers 403 to staff on admins' routes, someone else's things and the second sign-in step", async () => {
    for (const r of routes.filter((r) => r.access !== 'public')) {
      const res = await call(r.key, { url: concreteUrl(r.url, t.owner.id), headers: bearer(t.staffToken) }, validBody(r.key, { user: t.owner.id }));
      if (r.access === 'admin' || r.access === 'self-or-admin' || r.access === 'mfa-pending') expect([res.statusCode, res.json().error.code], r.key).toEqual([403, 'FORBIDDEN']);
    }
  });

  it('answers 400, 413 and 415 to a broken, oversized or mistyped body on every route that changes state', async () => {
    for (const r of routes.filter((r) => r.method !== 'GET')) {
      const url = concreteUrl(r.url, UNKNOWN_ID);
      const headers = { ...bearer(t.ownerToken), 'content-type': 'application/json' };
      // The greeting takes audio only: JSON, broken or not, is not its type (415 below); its unparseable body is one whose length is not the one declared.
      const broken = r.url.includes('greetings')
        ? await call(r.key, { url, headers: { ...bearer(t.ownerToken), 'content-type': 'audio/wav', 'content-length': '10' }, payload: Buffer.alloc(20) })
        : await call(r.key, { url, headers, payload: '{"name": tru' });
      expect([broken.statusCode, broken.json().error.code], r.key).toEqual([400, 'BAD_REQUEST']);
      // The greeting route takes up to 4 MiB of audio; everything else 64 KiB.
      const big = r.url.includes('greetings')
        ? await call(r.key, { url, headers: { ...bearer(t.ownerToken), 'content-type': 'audio/wav' }, payload: Buffer.alloc(4 * 1024 * 1024 + 1) })
        : await call(r.key, { url, headers, payload: JSON.stringify({ name: 'x'.repeat(70 * 1024) }) });
      expect([big.statusCode, big.json().error.code], r.key).toEqual([413, 'BODY_TOO_LARGE']);
      const xml = await call(r.key, { url, headers: { ...bearer(t.ownerToken), 'content-type': 'application/xml' }, payload: '<name>x</name>' });
      expect([xml.statusCode, xml.json().error.code], r.key).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
  });

  it('answers 400 VALIDATION_FAILED to a malformed path, query or body field', async () => {
    for (const r of routes) {
      const op = operationOf(doc, r.key)!;
      const inPath = (op.parameters ?? []).some((p) => p.in === 'path');
      const inQuery = (op.parameters ?? []).some((p) => p.in === 'query');
      const headers = bearer(t.ownerToken);
      if (inPath) {
        const res = await call(r.key, { url: concreteUrl(r.url, 'not_an_id'), headers }, validBody(r.key, { user: t.owner.id }));
        expect([res.statusCode, res.json().error.code], r.key).toEqual([400, 'VALIDATION_FAILED']);
        expect(res.json().error.details.issues[0].path, r.key).toMatch(/^params/);
      }
      if (inQuery) {
        const res = await call(r.key, { url: `${r.url}?limit=lots`, headers });
        expect([res.statusCode, res.json().error.code], r.key).toEqual([400, 'VALIDATION_FAILED']);
      }
      // Every route has a query schema, if only an empty one: a parameter it does not take is refused
      // (not the health check, which monitors poll with cache-busters).
      if (r.key !== 'GET /api/v1/health') {
        const unknown = await call(r.key, { url: `${concreteUrl(r.url, t.owner.id)}?notAParameter=1`, headers }, validBody(r.key, { user: t.owner.id }));
        expect([unknown.statusCode, unknown.json().error.code, unknown.json().error.details?.issues[0].path], r.key).toEqual([400, 'VALIDATION_FAILED', 'querystring']);
      }
      if (op.requestBody && !r.url.includes('greetings')) {
        const res = await call(r.key, { url: concreteUrl(r.url, t.owner.id), headers, payload: { notAField: true } });
        expect([res.statusCode, res.json().error.code], r.key).toEqual([400, 'VALIDATION_FAILED']);
      }
    }
  });

  it('answers 404 to an id that names nothing in the practice', async () => {
    for (const r of routes.filter((r) => r.url.includes(':id'))) {
      const res = await call(r.key, { url: concreteUrl(r.url, UNKNOWN_ID), headers: bearer(t.ownerToken) }, validBody(r.key, { user: UNKNOWN_ID }));
      expect(res.statusCode, `${r.key}: ${res.body}`).toBe(404);
    }
    const glass = await call('POST /api/v1/break-glass', { url: '/api/v1/break-glass', headers: bearer(t.ownerToken) }, validBody('POST /api/v1/break-glass', { user: UNKNOWN_ID }));
    expect([glass.statusCode, glass.json().error.code]).toEqual([404, 'NOT_FOUND']);
  });

  it('answers sign-in failures with 401, a cross-site sign-in with 403, and throttles with 429 and Retry-After', async () => {
    const { email } = await memberWithPassword('staff');
    const key = 'POST /api/v1/session';
    const address = nextAddress();
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = note(key, await t.app.inject({ method: 'POST', url: '/api/v1/session', remoteAddress: address, headers: { origin: PORTAL_ORIGIN }, payload: { email, password: `wrong ${i}` } }));
      codes.push(r.json().error.code);
    }
    expect(codes.slice(0, 4)).toEqual(['INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS', 'INVALID_CREDENTIALS']);
    expect(codes).toContain('SIGN_IN_THROTTLED');
    const crossSite = await call(key, { url: '/api/v1/session', headers: { origin: 'https://elsewhere.example' }, payload: { email, password: PASSWORD } });
    expect([crossSite.statusCode, crossSite.json().error.code]).toEqual([403, 'CSRF_REJECTED']);
  });

  it('answers the two-factor steps: a wrong code, a throttled one, enrolment out of order', async () => {
    const { email } = await memberWithPassword('staff');
    const s = sessionFrom(await signIn(t.app, email, PASSWORD, nextAddress()));
    const notStarted = await call('POST /api/v1/session/mfa/enrolment/confirm', { url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: '000000' } });
    expect(notStarted.json().error.code).toBe('MFA_NOT_PENDING');
    const start = await call('POST /api/v1/session/mfa/enrolment', { url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) });
    const secret = totpSecretFromBase32(start.json().secret);
    if (!secret.ok) throw new Error('bad secret');
    const wrong = await call('POST /api/v1/session/mfa/enrolment/confirm', { url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: '000000' } });
    expect(wrong.json().error.code).toBe('MFA_CODE_INVALID');
    const good = totpAt(secret.value, t.clock.now());
    expect((await call('POST /api/v1/session/mfa/enrolment/confirm', { url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: good } })).statusCode).toBe(200);
    const again = await call('POST /api/v1/session/mfa/enrolment', { url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) });
    expect(again.json().error.code).toBe('MFA_ALREADY_ENROLLED');

    const address = nextAddress();
    const pending = sessionFrom(await signIn(t.app, email, PASSWORD, address));
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) {
      const r = note('POST /api/v1/session/mfa', await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa', remoteAddress: address, headers: asPortal(pending), payload: { code: '000000' } }));
      codes.push(r.json().error.code);
    }
    expect(codes[0]).toBe('INVALID_CREDENTIALS');
    expect(codes).toContain('SIGN_IN_THROTTLED');
    const noCsrf = await call('POST /api/v1/session/mfa', { url: '/api/v1/session/mfa', headers: { cookie: `${COOKIE}=${pending.cookie}`, origin: PORTAL_ORIGIN }, payload: { code: '000000' } });
    expect(noCsrf.json().error.code).toBe('CSRF_REJECTED');
    // A session half-way through sign-in reaches nothing else.
    for (const r of routes.filter((r) => r.access !== 'public' && r.access !== 'mfa-pending' && r.method === 'GET')) {
      const res = await call(r.key, { url: concreteUrl(r.url, t.owner.id), headers: asPortal(pending) });
      expect([res.statusCode, res.json().error.code], r.key).toEqual([401, 'MFA_REQUIRED']);
    }
  });

  it('answers a request for new recovery codes: no two-step sign-in, an API token, a wrong code, and too many wrong ones', async () => {
    const key = 'POST /api/v1/session/mfa/recovery-codes';
    const { user, email } = await memberWithPassword('staff');
    const s = sessionFrom(await signIn(t.app, email, PASSWORD, nextAddress()));
    const ask = async (headers: Record<string, string>, address = nextAddress()) =>
      (note(key, await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/recovery-codes', remoteAddress: address, headers, payload: { code: '000000' } }))).json().error.code;
    expect(await ask(asPortal(s))).toBe('MFA_NOT_ENROLLED');
    const token = (await createApiToken(t.handle.db, t.practice.id, user.id, 'staff', 'test', CLI_ACTOR)).token;
    expect(await ask(bearer(token))).toBe('NOT_A_SESSION');
    const start = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) });
    const secret = totpSecretFromBase32(start.json().secret);
    if (!secret.ok) throw new Error('bad secret');
    await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: totpAt(secret.value, t.clock.now()) } });
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push(await ask(asPortal(s)));
    expect(codes[0]).toBe('MFA_CODE_INVALID');
    expect(codes).toContain('SIGN_IN_THROTTLED');
  });

  it('answers a password change: a wrong current password, the same one again, a weak one, and too many wrong ones', async () => {
    const key = 'POST /api/v1/session/password';
    const { email } = await memberWithPassword('staff');
    const s = sessionFrom(await signIn(t.app, email, PASSWORD, nextAddress()));
    const change = async (currentPassword: string, newPassword: string) =>
      note(key, await t.app.inject({ method: 'POST', url: '/api/v1/session/password', remoteAddress: nextAddress(), headers: asPortal(s), payload: { currentPassword, newPassword } }));
    const code = async (r: Promise<LightMyRequestResponse>) => (await r).json().error.code;
    expect(await code(change(PASSWORD, PASSWORD))).toBe('SAME_PASSWORD');
    expect(await code(change(PASSWORD, 'password1234'))).toBe('WEAK_PASSWORD');
    const codes: string[] = [];
    for (let i = 0; i < 6; i++) codes.push(await code(change(`wrong ${i}`, 'kettle orchard lantern ninety')));
    expect(codes.slice(0, 4)).toEqual(['CURRENT_PASSWORD_WRONG', 'CURRENT_PASSWORD_WRONG', 'CURRENT_PASSWORD_WRONG', 'CURRENT_PASSWORD_WRONG']);
    expect(codes).toContain('SIGN_IN_THROTTLED');
  });

  it('answers 409 to changes that clash with what is there', async () => {
    const owner = bearer(t.ownerToken);
    const expectCode = (r: LightMyRequestResponse, code: string) => expect([r.statusCode, r.json().error?.code], r.body).toEqual([API_ERROR_CODES[code as ApiErrorCode].status, code]);
    expectCode(await call('POST /api/v1/users', { url: '/api/v1/users', headers: owner, payload: { email: 'desk@cedar.example', displayName: 'Again', role: 'staff' } }), 'EMAIL_TAKEN');
    expectCode(await call('POST /api/v1/users', { url: '/api/v1/users', headers: owner, payload: { email: 'other@cedar.example', displayName: 'Other', role: 'staff', extension: '101' } }), 'EXTENSION_TAKEN');
    expectCode(await call('POST /api/v1/users', { url: '/api/v1/users', headers: owner, payload: { email: 'other@cedar.example', displayName: 'Other', role: 'staff', extension: '911' } }), 'EXTENSION_RESERVED');
    // A value the schema lets through and a directory rule refuses reads like a schema failure.
    const leadingZero = await call('POST /api/v1/users', { url: '/api/v1/users', headers: owner, payload: { email: 'zero@cedar.example', displayName: 'Zero', role: 'staff', extension: '0123' } });
    expect([leadingZero.statusCode, leadingZero.json().error.code, leadingZero.json().error.details.issues]).toEqual([400, 'VALIDATION_FAILED', [{ path: 'body/extension', rule: 'domain', message: expect.any(String) }]]);
    const blank = await call('POST /api/v1/users', { url: '/api/v1/users', headers: owner, payload: { email: 'blank@cedar.example', displayName: '   ', role: 'staff' } });
    expect([blank.statusCode, blank.json().error.code, blank.json().error.details.issues[0].path]).toEqual([400, 'VALIDATION_FAILED', 'body/displayName']);
    expectCode(await call('PATCH /api/v1/users/:id', { url: `/api/v1/users/${t.owner.id}`, headers: owner, payload: { role: 'admin' } }), 'LAST_OWNER');
    expectCode(await call('POST /api/v1/users/:id/disable', { url: `/api/v1/users/${t.owner.id}/disable`, headers: owner }), 'CANNOT_DISABLE_SELF');
    expectCode(await call('POST /api/v1/users/:id/password', { url: `/api/v1/users/${t.owner.id}/password`, headers: owner }), 'CANNOT_RESET_SELF');
    const { user: leaver } = await memberWithPassword('staff');
    await disableUser(t.handle.db, t.practice.id, leaver.id, CLI_ACTOR);
    expectCode(await call('POST /api/v1/users/:id/password', { url: `/api/v1/users/${leaver.id}/password`, headers: owner }), 'USER_DISABLED');
    expectCode(await call('POST /api/v1/users/:id/mfa/reset', { url: `/api/v1/users/${t.owner.id}/mfa/reset`, headers: owner }), 'CANNOT_RESET_SELF');
    expectCode(await call('POST /api/v1/users/:id/mfa/reset', { url: `/api/v1/users/${leaver.id}/mfa/reset`, headers: owner }), 'USER_DISABLED');
    expectCode(await call('POST /api/v1/users/:id/devices', { url: `/api/v1/users/${leaver.id}/devices`, headers: owner, payload: { kind: 'softphone' } }), 'USER_DISABLED');
    expect((await call('POST /api/v1/users/:id/devices', { url: `/api/v1/users/${t.staff.id}/devices`, headers: owner, payload: { kind: 'softphone', sipUsername: 'front-desk' } })).statusCode).toBe(201);
    expectCode(await call('POST /api/v1/users/:id/devices', { url: `/api/v1/users/${t.staff.id}/devices`, headers: owner, payload: { kind: 'softphone', sipUsername: 'front-desk' } }), 'SIP_USERNAME_TAKEN');
    expectCode(await call('DELETE /api/v1/session', { url: '/api/v1/session', headers: owner }), 'NOT_A_SESSION');
  });

  it('answers policy and plan refusals with their codes', async () => {
    const owner = bearer(t.ownerToken);
    const r = await call('PATCH /api/v1/policy', { url: '/api/v1/policy', headers: owner, payload: { retention: { auditDays: 30 } } });
    expect(r.json().error.code).toBe('RETENTION_TOO_SHORT');
    const off = await call('PATCH /api/v1/users/:id/voicemail-settings', { url: `/api/v1/users/${t.staff.id}/voicemail-settings`, headers: owner, payload: { emailNotifications: true, attachAudio: true } });
    expect(off.json().error.code).toBe('FEATURE_OFF_BY_POLICY');
    const glass = await call('POST /api/v1/break-glass', { url: '/api/v1/break-glass', headers: bearer(t.staffToken) }, validBody('POST /api/v1/break-glass', { user: t.owner.id }));
    expect([glass.statusCode, glass.json().error.code]).toEqual([403, 'FORBIDDEN']);
  });

  it('answers voicemail refusals: a greeting that is not audio, a message under legal hold, audio whose blob is gone', async () => {
    const box = await boxOf(t.handle.db, t.practice.id, '101');
    const staff = bearer(t.staffToken);
    const greeting = 'PUT /api/v1/voicemail-boxes/:id/greetings/:which';
    const notWav = await call(greeting, { url: `/api/v1/voicemail-boxes/${box.id}/greetings/busy`, headers: { ...staff, 'content-type': 'audio/wav' }, payload: Buffer.from('not a wav file at all') });
    expect(notWav.json().error.code).toBe('VOICEMAIL_BAD_AUDIO');
    const notTheirs = await call(greeting, { url: `/api/v1/voicemail-boxes/${box.id}/greetings/busy`, headers: { ...bearer((await createApiToken(t.handle.db, t.practice.id, (await memberWithPassword('staff')).user.id, 'staff', 'x', CLI_ACTOR)).token), 'content-type': 'audio/wav' }, payload: pcmWav(tone(1000)) });
    expect(notTheirs.json().error.code).toBe('FORBIDDEN');

    const held = await leaveMessage(t.voicemail.store, box);
    await t.voicemail.vault.setLegalHold({ practiceId: t.practice.id, objectId: held.audioObjectId }, true);
    const del = await call('DELETE /api/v1/voicemails/:id', { url: `/api/v1/voicemails/${held.id}`, headers: staff });
    expect(del.json().error.code).toBe('VOICEMAIL_LEGAL_HOLD');

    const lost = await leaveMessage(t.voicemail.store, box);
    t.blobs.committed.clear();
    const audio = await call('GET /api/v1/voicemails/:id/audio', { url: `/api/v1/voicemails/${lost.id}/audio`, headers: staff });
    expect([audio.statusCode, audio.json().error.code]).toEqual([503, 'VAULT_UNAVAILABLE']);
    expect(t.logText()).toContain('VAULT_BLOB_MISSING');
  });

  it('answers 503 DATABASE_UNAVAILABLE with Retry-After when SQLite is locked by another process', async () => {
    const SQLite = (await import('better-sqlite3')).default;
    const file = t.handle.sqlite!.name;
    t.handle.sqlite!.pragma('busy_timeout = 0');
    const other = new SQLite(file);
    try {
      other.exec('BEGIN IMMEDIATE');
      const r = await call('PATCH /api/v1/policy', { url: '/api/v1/policy', headers: bearer(t.ownerToken), payload: { texting: true } });
      expect([r.statusCode, r.json().error.code]).toEqual([503, 'DATABASE_UNAVAILABLE']);
    } finally {
      other.exec('ROLLBACK');
      other.close();
      t.handle.sqlite!.pragma('busy_timeout = 5000');
    }
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/policy', headers: bearer(t.ownerToken) })).json().texting).toBe(false);
  });

  it('answers 503 DATABASE_UNAVAILABLE on every route when PostgreSQL refuses connections', async () => {
    const down = await apiOverRefusedPostgres(t.masterKey);
    try {
      for (const r of routes) {
        const [method] = r.key.split(' ') as [InjectOptions['method']];
        const res = note(r.key, await down.app.inject({ method, url: concreteUrl(r.url, UNKNOWN_ID), remoteAddress: nextAddress(), headers: { ...bearer(t.ownerToken), origin: PORTAL_ORIGIN }, ...withoutHeaders(validBody(r.key, { user: UNKNOWN_ID })) }));
        if (r.key === 'GET /api/v1/health') expect(res.statusCode).toBe(200);
        else expect([res.statusCode, res.json().error.code], r.key).toEqual([503, 'DATABASE_UNAVAILABLE']);
      }
    } finally {
      await down.close();
    }
  });

  it('answers 503 VOICEMAIL_UNAVAILABLE on the voicemail routes of a server without voicemail', async () => {
    const bare = await buildApi({ db: t.handle.db, logger: pino({ level: 'silent' }), version: 'test', safeguards: () => [], masterKey: t.masterKey, sessions: new KyselySessionStore(t.handle.db), publicUrl: PORTAL_ORIGIN });
    await bare.ready();
    try {
      const box = await boxOf(t.handle.db, t.practice.id, '101');
      for (const r of routes.filter((r) => r.url.includes('voicemail') && !r.url.includes('settings') && !r.url.includes('legal-holds'))) {
        const [method] = r.key.split(' ') as [InjectOptions['method']];
        const body = validBody(r.key, { user: t.staff.id });
        const res = note(r.key, await bare.inject({ method, url: concreteUrl(r.url, box.id), headers: { ...bearer(t.staffToken), ...(body.headers ?? {}) }, ...(body.payload !== undefined ? { payload: body.payload } : {}) }));
        expect([res.statusCode, res.json().error.code], r.key).toEqual([503, 'VOICEMAIL_UNAVAILABLE']);
      }
    } finally {
      await bare.close();
    }
  });

  it('answers 503 on the retention and legal-hold routes of a server without them (a voicemail hold needs voicemail first)', async () => {
    const bare = await buildApi({ db: t.handle.db, logger: pino({ level: 'silent' }), version: 'test', safeguards: () => [], masterKey: t.masterKey, sessions: new KyselySessionStore(t.handle.db), publicUrl: PORTAL_ORIGIN });
    await bare.ready();
    try {
      const box = await boxOf(t.handle.db, t.practice.id, '101');
      for (const r of routes.filter((r) => r.url.includes('legal-holds') || r.url.includes('retention'))) {
        const [method] = r.key.split(' ') as [InjectOptions['method']];
        const body = validBody(r.key, { user: t.staff.id });
        const res = note(r.key, await bare.inject({ method, url: concreteUrl(r.url, box.id), headers: bearer(t.ownerToken), ...(body.payload !== undefined ? { payload: body.payload } : {}) }));
        expect([res.statusCode, res.json().error.code], r.key).toEqual([503, r.url.includes('voicemails') ? 'VOICEMAIL_UNAVAILABLE' : 'RETENTION_UNAVAILABLE']);
      }
    } finally {
      await bare.close();
    }
  });

  it('lists every answer seen under its route and status, and no status that never happens', () => {
    const missing: string[] = [];
    const unseen: string[] = [];
    for (const r of routes) {
      const op = operationOf(doc, r.key)!;
      for (const [status, codes] of seen.get(r.key) ?? new Map()) {
        const listed = documentedCodes(op, status);
        for (const code of codes) if (!listed.includes(code)) missing.push(`${r.key} ${status} ${code}`);
      }
      for (const status of Object.keys(op.responses).map(Number).filter((s) => s >= 400)) {
        const produced = seen.get(r.key)?.has(status) ?? false;
        const onlyUnproducible = documentedCodes(op, status).every((c) => NOT_PRODUCED.has(c as ApiErrorCode));
        if (!produced && !onlyUnproducible) unseen.push(`${r.key} ${status} (${documentedCodes(op, status).join(', ')})`);
      }
    }
    expect(missing, 'answers the document does not list').toEqual([]);
    expect(unseen, 'statuses the document lists that no request here brought about').toEqual([]);
  });
});

/** The API over a PostgreSQL URL whose port refuses connections, as when the database server is down. */
async function apiOverRefusedPostgres(masterKey: Buffer): Promise<{ app: FastifyInstance; close(): Promise<void> }> {
  const port = await new Promise<number>((resolve) => {
    const probe = createServer().listen(0, '127.0.0.1', () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });
  const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: `postgres://sotto@127.0.0.1:${port}/sotto`, max: 2, connectionTimeoutMillis: 2000 }) }) });
  const app = await buildApi({ db, logger: pino({ level: 'silent' }), version: 'test', safeguards: () => [], masterKey, sessions: new KyselySessionStore(db), publicUrl: PORTAL_ORIGIN });
  await app.ready();
  return { app, close: async () => (await app.close(), await db.destroy()) };
}

function withoutHeaders(body: Pick<InjectOptions, 'payload' | 'headers'>): Pick<InjectOptions, 'payload'> {
  return body.payload === undefined ? {} : { payload: body.payload };
}
