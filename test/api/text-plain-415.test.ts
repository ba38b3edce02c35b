// A body that is not JSON where JSON is expected is 415 UNSUPPORTED_MEDIA_TYPE
// (README, OpenAPI), not 400 VALIDATION_FAILED: Fastify's built-in text/plain
// parser used to hand the string to the schema. Every route that takes a body
// is sent text/plain, and nothing in the database may change.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/api/server.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { tableSnapshot } from '../support/db.ts';

describe('a text/plain body', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi('sqlite');
  });
  afterAll(() => t.close());

  const snapshot = (): Promise<Record<string, string[]>> => tableSnapshot(t.handle);

  it('is refused 415 on every route that takes a body, JSON or audio, with nothing written', async () => {
    const routes = registeredRoutes(t.app).filter((r) => ['POST', 'PUT', 'PATCH'].includes(r.method));
    const families = new Set(routes.map((r) => r.url.split('/')[3]));
    // The route families that take bodies (JSON; the greeting's audio/wav) are all here (devices hang under users).
    expect([...families]).toEqual(expect.arrayContaining(['users', 'practice', 'policy', 'session', 'break-glass', 'compliance', 'voicemail-boxes', 'voicemails']));
    const before = await snapshot();
    for (const r of routes) {
      const url = r.url.replace(/:[a-zA-Z]+/g, (p) => (p === ':which' ? 'unavailable' : p === ':id' || p.endsWith('Id') ? t.staff.id : 'x'));
      const res = await t.app.inject({ method: r.method as 'POST', url, headers: { ...bearer(t.ownerToken), 'content-type': 'text/plain' }, payload: 'x' });
      expect([r.method, r.url, res.statusCode, res.json().error?.code]).toEqual([r.method, r.url, 415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
    expect(await snapshot()).toEqual(before);
  });

  it('the README example: PATCH voicemail-settings with text/plain', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${t.staff.id}/voicemail-settings`, headers: { ...bearer(t.ownerToken), 'content-type': 'text/plain' }, payload: 'x' });
    expect([res.statusCode, res.json().error.code]).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
  });

  it('JSON still works on that route', async () => {
    const res = await t.app.inject({ method: 'PATCH', url: `/api/v1/users/${t.staff.id}/voicemail-settings`, headers: bearer(t.ownerToken), payload: {} });
    expect(res.statusCode).toBeLessThan(415);
  });
});
