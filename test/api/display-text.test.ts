// Every free-text field of the API (a user's name, the practice's name, a
// device's label, a break-glass reason) is single-line display text: blank
// text, control characters, line breaks, lone surrogates and bidi overrides
// are 400 VALIDATION_FAILED on the field, and nothing is written. On
// PostgreSQL, which refuses NUL in text, that is still a 400, never a 500;
// so is a NUL in the email of a sign-in.
import Fastify, { type InjectOptions } from 'fastify';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { handleError } from '../../src/api/errors.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';
import { ACCEPTED_TEXT, REFUSED_TEXT } from '../support/text.ts';

describe.each(DIALECTS)('display text through the API, on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  /** Each free-text field, and a request that sets it to a value. */
  const fields: Record<string, { path: string; request: (value: string) => InjectOptions }> = {
    'POST /users displayName': {
      path: 'body/displayName',
      request: (v) => ({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: 'new@cedar.example', displayName: v, role: 'staff', extension: '150' } }),
    },
    'PATCH /users/{id} displayName': { path: 'body/displayName', request: (v) => ({ method: 'PATCH', url: `/api/v1/users/${t.staff.id}`, headers: bearer(t.ownerToken), payload: { displayName: v } }) },
    'PATCH /practice name': { path: 'body/name', request: (v) => ({ method: 'PATCH', url: '/api/v1/practice', headers: bearer(t.ownerToken), payload: { name: v } }) },
    'POST /users/{id}/devices label': {
      path: 'body/label',
      request: (v) => ({ method: 'POST', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'softphone', label: v } }),
    },
    'POST /break-glass reason': {
      path: 'body/reason',
      request: (v) => ({ method: 'POST', url: '/api/v1/break-glass', headers: bearer(t.ownerToken), payload: { targetType: 'user', targetId: t.staff.id, reason: `${v}: the lab is waiting on a callback` } }),
    },
  };

  it.each(Object.keys(fields))('%s: each bad value is 400 VALIDATION_FAILED on the field, and nothing is written', async (name) => {
    const { path, request } = fields[name]!;
    const before = await tableSnapshot(t.handle);
    for (const [label, value] of REFUSED_TEXT) {
      if (name.includes('reason') && !/[^\s\p{Cf}]/u.test(value)) continue; // padded with words above; blank reasons below
      const r = await t.app.inject(request(value));
      expect([r.statusCode, r.json().error?.code], `${name} ${label}: ${r.body}`).toEqual([400, 'VALIDATION_FAILED']);
      expect(r.json().error.details.issues[0].path, `${name} ${label}`).toBe(path);
      // The rule in words, not the pattern's regex.
      expect(r.json().error.message, `${name} ${label}`).not.toContain('\\u');
    }
    expect(await tableSnapshot(t.handle)).toEqual(before);
  });

  it('a blank break-glass reason, and a bad one from a caller who may not break the glass: the field is refused first', async () => {
    const blank = await t.app.inject({ method: 'POST', url: '/api/v1/break-glass', headers: bearer(t.ownerToken), payload: { targetType: 'user', targetId: t.staff.id, reason: ' \t          ' } });
    expect([blank.statusCode, blank.json().error.code, blank.json().error.details.issues[0].path]).toEqual([400, 'VALIDATION_FAILED', 'body/reason']);
    const staff = await t.app.inject({ method: 'POST', url: '/api/v1/break-glass', headers: bearer(t.staffToken), payload: { targetType: 'user', targetId: t.owner.id, reason: 'Zorb\u0000 the lab is waiting on a callback' } });
    expect([staff.statusCode, staff.json().error.code]).toEqual([400, 'VALIDATION_FAILED']);
  });

  it('keeps names in any script, with accents, emoji and right-to-left marks', async () => {
    for (const value of ACCEPTED_TEXT) {
      const user = await t.app.inject(fields['PATCH /users/{id} displayName']!.request(value));
      expect([user.statusCode, user.json().displayName]).toEqual([200, value]);
      const practice = await t.app.inject(fields['PATCH /practice name']!.request(value));
      expect([practice.statusCode, practice.json().name]).toEqual([200, value]);
    }
  });

  it('a NUL in a sign-in email is a failed sign-in like any unknown address, not a 500', async () => {
    const r = await t.app.inject({ method: 'POST', url: '/api/v1/session', payload: { email: 'owner\u0000@cedar.example', password: 'a long enough passphrase' } });
    expect([r.statusCode, r.json().error.code]).toEqual([401, 'INVALID_CREDENTIALS']);
  });

  if (dialect === 'postgres') it("PostgreSQL's own refusal of a NUL, should a field rule miss one, is a 400 too", async () => {
    const probe = Fastify();
    probe.setErrorHandler(handleError);
    probe.post('/probe', async (req) => (await sql<{ v: string }>`select ${(req.body as { v: string }).v}::text as v`.execute(t.handle.db)).rows);
    try {
      const r = await probe.inject({ method: 'POST', url: '/probe', payload: { v: 'Zorb\u0000name' } });
      expect([r.statusCode, r.json().error.code, r.json().error.details.issues]).toEqual([400, 'VALIDATION_FAILED', [{ path: 'body', rule: 'encoding', message: expect.any(String) }]]);
    } finally {
      await probe.close();
    }
  });
});
