// A route that changes state or touches PHI must write an audit event naming
// its actor, in the same transaction as what it did. The routes come from
// Fastify itself, so a new route without an entry in AUDITED_ROUTES (and a
// scenario here that proves its event) fails this suite.
import type { InjectOptions, LightMyRequestResponse } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { AUDITED_ROUTES, STATE_CHANGING_METHODS } from '../../src/api/audited-routes.ts';
import { registeredRoutes } from '../../src/api/server.ts';
import { totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR, listExtensions } from '../../src/directory/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';
import { asPortal, sessionFrom, signIn } from '../support/portal.ts';
import { boxOf, leaveMessage, pcmWav, tone } from '../support/voicemail.ts';

const PASSWORD = 'a long enough portal passphrase';

interface Outcome {
  response: LightMyRequestResponse;
  /** Who the event must name. */
  actorId: string;
}

type Scenario = (t: TestApi) => Promise<Outcome>;

let n = 0;
async function withPassword(t: TestApi, role: 'staff' | 'provider' | 'admin', extension?: string) {
  const email = `audited${++n}@cedar.example`;
  const { user } = await addUser(t.handle.db, t.practice.id, { email, displayName: `U ${n}`, role, passwordHash: await t.hasher.hash(PASSWORD), ...(extension ? { extension } : {}) }, CLI_ACTOR);
  return { user, email };
}

async function staffSession(t: TestApi) {
  const { user, email } = await withPassword(t, 'staff');
  return { user, email, s: sessionFrom(await signIn(t.app, email, PASSWORD)) };
}

async function enrolled(t: TestApi) {
  const { user, email, s } = await staffSession(t);
  const start = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) });
  const key = totpSecretFromBase32(start.json().secret);
  if (!key.ok) throw new Error('bad secret');
  await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: totpAt(key.value, t.clock.now()) } });
  return { user, email, key: key.value, s };
}

/** A message in the staff user's own box (extension 101). */
async function staffMessage(t: TestApi) {
  return leaveMessage(t.voicemail.store, await boxOf(t.handle.db, t.practice.id, '101'));
}

const SCENARIOS: Record<string, Scenario> = {
  'GET /api/v1/voicemails': async (t) => {
    await staffMessage(t);
    return { response: await t.app.inject({ method: 'GET', url: '/api/v1/voicemails', headers: bearer(t.staffToken) }), actorId: t.staff.id };
  },
  'GET /api/v1/voicemails/:id': async (t) => {
    const m = await staffMessage(t);
    return { response: await t.app.inject({ method: 'GET', url: `/api/v1/voicemails/${m.id}`, headers: bearer(t.staffToken) }), actorId: t.staff.id };
  },
  'GET /api/v1/voicemails/:id/audio': async (t) => {
    const m = await staffMessage(t);
    return { response: await t.app.inject({ method: 'GET', url: `/api/v1/voicemails/${m.id}/audio`, headers: bearer(t.staffToken) }), actorId: t.staff.id };
  },
  'PATCH /api/v1/voicemails/:id': async (t) => {
    const m = await staffMessage(t);
    return { response: await t.app.inject({ method: 'PATCH', url: `/api/v1/voicemails/${m.id}`, headers: bearer(t.staffToken), payload: { heard: true } }), actorId: t.staff.id };
  },
  'DELETE /api/v1/voicemails/:id': async (t) => {
    const m = await staffMessage(t);
    return { response: await t.app.inject({ method: 'DELETE', url: `/api/v1/voicemails/${m.id}`, headers: bearer(t.staffToken) }), actorId: t.staff.id };
  },
  'PUT /api/v1/legal-holds/users/:id': async (t) => ({
    response: await t.app.inject({ method: 'PUT', url: `/api/v1/legal-holds/users/${t.staff.id}`, headers: bearer(t.ownerToken), payload: { reference: 'CASE-1' } }),
    actorId: t.owner.id,
  }),
  'DELETE /api/v1/legal-holds/users/:id': async (t) => {
    await t.retention.holdUser(t.practice.id, t.staff.id, 'CASE-2', CLI_ACTOR);
    return { response: await t.app.inject({ method: 'DELETE', url: `/api/v1/legal-holds/users/${t.staff.id}`, headers: bearer(t.ownerToken) }), actorId: t.owner.id };
  },
  'PUT /api/v1/legal-holds/voicemails/:id': async (t) => {
    const m = await staffMessage(t);
    return { response: await t.app.inject({ method: 'PUT', url: `/api/v1/legal-holds/voicemails/${m.id}`, headers: bearer(t.ownerToken), payload: { reference: 'CASE-3' } }), actorId: t.owner.id };
  },
  'DELETE /api/v1/legal-holds/voicemails/:id': async (t) => {
    const m = await staffMessage(t);
    await t.retention.holdVoicemail(t.practice.id, m.id, 'CASE-4', CLI_ACTOR);
    return { response: await t.app.inject({ method: 'DELETE', url: `/api/v1/legal-holds/voicemails/${m.id}`, headers: bearer(t.ownerToken) }), actorId: t.owner.id };
  },
  'PUT /api/v1/voicemail-boxes/:id/greetings/:which': async (t) => {
    const box = await boxOf(t.handle.db, t.practice.id, '101');
    return {
      response: await t.app.inject({ method: 'PUT', url: `/api/v1/voicemail-boxes/${box.id}/greetings/busy`, headers: { ...bearer(t.staffToken), 'content-type': 'audio/wav' }, payload: pcmWav(tone(1500)) }),
      actorId: t.staff.id,
    };
  },
  'POST /api/v1/session': async (t) => {
    const { user, email } = await withPassword(t, 'staff');
    return { response: await signIn(t.app, email, PASSWORD), actorId: user.id };
  },
  'POST /api/v1/session/mfa': async (t) => {
    const { user, email, key } = await enrolled(t);
    t.clock.advance(30_000);
    const pending = sessionFrom(await signIn(t.app, email, PASSWORD));
    return { response: await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa', headers: asPortal(pending), payload: { code: totpAt(key, t.clock.now()) } }), actorId: user.id };
  },
  'POST /api/v1/session/mfa/recovery-codes': async (t) => {
    const { user, key, s } = await enrolled(t);
    t.clock.advance(30_000);
    return { response: await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/recovery-codes', headers: asPortal(s), payload: { code: totpAt(key, t.clock.now()) } }), actorId: user.id };
  },
  'DELETE /api/v1/session': async (t) => {
    const { user, s } = await staffSession(t);
    return { response: await t.app.inject({ method: 'DELETE', url: '/api/v1/session', headers: asPortal(s) }), actorId: user.id };
  },
  'POST /api/v1/session/mfa/enrolment': async (t) => {
    const { user, s } = await staffSession(t);
    return { response: await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) }), actorId: user.id };
  },
  'POST /api/v1/session/mfa/enrolment/confirm': async (t) => {
    const { user, s } = await staffSession(t);
    const start = await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment', headers: asPortal(s) });
    const key = totpSecretFromBase32(start.json().secret);
    if (!key.ok) throw new Error('bad secret');
    return {
      response: await t.app.inject({ method: 'POST', url: '/api/v1/session/mfa/enrolment/confirm', headers: asPortal(s), payload: { code: totpAt(key.value, t.clock.now()) } }),
      actorId: user.id,
    };
  },
  'POST /api/v1/session/password': async (t) => {
    const { user, s } = await staffSession(t);
    return {
      response: await t.app.inject({ method: 'POST', url: '/api/v1/session/password', headers: asPortal(s), payload: { currentPassword: PASSWORD, newPassword: 'kettle orchard lantern ninety' } }),
      actorId: user.id,
    };
  },
  'POST /api/v1/break-glass': async (t) => {
    const box = (await listExtensions(t.handle.db, t.practice.id)).find((e) => e.number === '101')!.voicemailBoxId!;
    return {
      response: await t.app.inject({ method: 'POST', url: '/api/v1/break-glass', headers: bearer(t.ownerToken), payload: { targetType: 'voicemail_box', targetId: box, reason: 'Front desk out sick, patient callbacks pending' } }),
      actorId: t.owner.id,
    };
  },
  'GET /api/v1/audit-events': async (t) => ({ response: await t.app.inject({ method: 'GET', url: '/api/v1/audit-events', headers: bearer(t.ownerToken) }), actorId: t.owner.id }),
  'GET /api/v1/audit-events/verify': async (t) => ({ response: await t.app.inject({ method: 'GET', url: '/api/v1/audit-events/verify', headers: bearer(t.ownerToken) }), actorId: t.owner.id }),
  'GET /api/v1/audit-events/export': async (t) => ({ response: await t.app.inject({ method: 'GET', url: '/api/v1/audit-events/export', headers: bearer(t.ownerToken) }), actorId: t.owner.id }),
  'PATCH /api/v1/practice': async (t) => ({
    response: await t.app.inject({ method: 'PATCH', url: '/api/v1/practice', headers: bearer(t.ownerToken), payload: { name: 'Cedar Family Medicine West' } }),
    actorId: t.owner.id,
  }),
  'PATCH /api/v1/policy': async (t) => ({ response: await t.app.inject({ method: 'PATCH', url: '/api/v1/policy', headers: bearer(t.ownerToken), payload: { callRecording: true } }), actorId: t.owner.id }),
  'POST /api/v1/users': async (t) => ({
    response: await t.app.inject({ method: 'POST', url: '/api/v1/users', headers: bearer(t.ownerToken), payload: { email: `new${++n}@cedar.example`, displayName: 'New', role: 'staff' } }),
    actorId: t.owner.id,
  }),
  'PATCH /api/v1/users/:id': async (t) => {
    const { user } = await withPassword(t, 'staff');
    return { response: await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${user.id}`, headers: bearer(t.ownerToken), payload: { role: 'provider' } }), actorId: t.owner.id };
  },
  'POST /api/v1/users/:id/disable': async (t) => {
    const { user } = await withPassword(t, 'staff');
    return { response: await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/disable`, headers: bearer(t.ownerToken) }), actorId: t.owner.id };
  },
  'POST /api/v1/users/:id/enable': async (t) => {
    const { user } = await withPassword(t, 'staff');
    await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/disable`, headers: bearer(t.ownerToken) });
    return { response: await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/enable`, headers: bearer(t.ownerToken) }), actorId: t.owner.id };
  },
  'POST /api/v1/users/:id/password': async (t) => {
    const { user } = await withPassword(t, 'staff');
    return { response: await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/password`, headers: bearer(t.ownerToken) }), actorId: t.owner.id };
  },
  'POST /api/v1/users/:id/mfa/reset': async (t) => {
    const { user } = await enrolled(t);
    return { response: await t.app.inject({ method: 'POST', url: `/api/v1/users/${user.id}/mfa/reset`, headers: bearer(t.ownerToken) }), actorId: t.owner.id };
  },
  'POST /api/v1/users/:id/devices': async (t) => ({
    response: await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'desk_phone' } }),
    actorId: t.owner.id,
  }),
  'DELETE /api/v1/devices/:id': async (t) => {
    const added = await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'ata' } });
    return { response: await t.app.inject({ method: 'DELETE', url: `/api/v1/devices/${added.json().device.id}`, headers: bearer(t.ownerToken) }), actorId: t.owner.id };
  },
  'PATCH /api/v1/users/:id/voicemail-settings': async (t) => ({
    response: await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${t.staff.id}/voicemail-settings`, headers: bearer(t.staffToken), payload: { emailNotifications: false } }), // a change: a PATCH that changes nothing records nothing
    actorId: t.staff.id,
  }),
  'PATCH /api/v1/users/:id/call-settings': async (t) => ({
    response: await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${t.staff.id}/call-settings`, headers: bearer(t.staffToken), payload: { doNotDisturb: true, ringTimeoutSeconds: 30 } }),
    actorId: t.staff.id,
  }),
  'GET /api/v1/calls': async (t) => ({ response: await t.app.inject({ method: 'GET', url: '/api/v1/calls', headers: bearer(t.ownerToken) }), actorId: t.owner.id }),
  'POST /api/v1/compliance/apply-safe-defaults': async (t) => ({
    response: await t.app.inject({ method: 'POST', url: '/api/v1/compliance/apply-safe-defaults', headers: bearer(t.ownerToken) }),
    actorId: t.owner.id,
  }),
};

describe('the audited-routes table', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi('sqlite');
  });
  afterAll(() => t.close());

  const routeKeys = () => [...new Set(registeredRoutes(t.app).filter((r) => r.method !== 'HEAD').map((r) => `${r.method} ${r.url}`))].sort();

  it('lists exactly the routes the API registers', () => {
    expect(routeKeys().length).toBeGreaterThan(20);
    expect(routeKeys()).toEqual(Object.keys(AUDITED_ROUTES).sort());
  });

  it('exempts no route that changes state', () => {
    const exempt = routeKeys().filter((k) => STATE_CHANGING_METHODS.has(k.split(' ')[0]!) && 'exempt' in AUDITED_ROUTES[k]!);
    expect(exempt).toEqual([]);
  });

  it('has a scenario proving the event of every audited route', () => {
    const audited = Object.entries(AUDITED_ROUTES).filter(([, a]) => 'actions' in a).map(([k]) => k).sort();
    expect(Object.keys(SCENARIOS).sort()).toEqual(audited);
  });
});

describe.each(DIALECTS)('audited routes on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  const lastSeq = async () => Number((await t.handle.db.selectFrom('audit_events').select((eb) => eb.fn.max('seq').as('m')).where('chain_key', '=', t.practice.id).executeTakeFirst())?.m ?? 0);

  it.each(Object.entries(SCENARIOS))('%s writes its audit event with its actor', async (route, scenario) => {
    const expected = AUDITED_ROUTES[route]!;
    if (!('actions' in expected)) throw new Error(`${route} is marked exempt but has a scenario`);
    // The route under test is the scenario's last request: remember where the
    // log stood just before each request, so setup events never count.
    const inject = t.app.inject.bind(t.app);
    let before = 0;
    (t.app as { inject: unknown }).inject = async (opts: InjectOptions) => {
      before = await lastSeq();
      return inject(opts);
    };
    let outcome: Outcome;
    try {
      outcome = await scenario(t);
    } finally {
      (t.app as { inject: unknown }).inject = inject;
    }
    expect(outcome.response.statusCode, outcome.response.body).toBeLessThan(300);
    const events = await t.handle.db
      .selectFrom('audit_events')
      .select(['action', 'actor_type', 'actor_id', 'source_ip', 'outcome'])
      .where('chain_key', '=', t.practice.id)
      .where('seq', '>', before)
      .orderBy('seq')
      .execute();
    const mine = events.find((e) => expected.actions.includes(e.action));
    expect(mine, `${route}: no ${expected.actions.join('|')} event, only ${events.map((e) => e.action).join(', ')}`).toBeDefined();
    expect(mine).toMatchObject({ actor_type: 'user', actor_id: outcome.actorId, outcome: 'success' });
    expect(mine!.source_ip).toMatch(/^[0-9.:a-f]+$/);
  });
});
