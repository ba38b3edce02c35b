// The query string is held to what the README says, like a body: a time the
// server cannot represent (a leap second) and a page size over 500 are
// 400 VALIDATION_FAILED (they were a 500 and a silent clamp), and a
// parameter no route knows is refused on every route, not ignored. Nothing
// is written by any of these requests, not even the audit event of a read.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/api/server.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';
import { pcmWav, tone } from '../support/voicemail.ts';

describe.each(DIALECTS)('the query string, on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  const get = (url: string, token = t.ownerToken) => t.app.inject({ method: 'GET', url, headers: bearer(token) });

  async function refused(url: string, path: string, token = t.ownerToken): Promise<void> {
    const before = await tableSnapshot(t.handle);
    const r = await get(url, token);
    expect([r.statusCode, r.json().error.code], `${url}: ${r.body}`).toEqual([400, 'VALIDATION_FAILED']);
    expect(r.json().error.details.issues[0].path, url).toBe(path);
    expect(await tableSnapshot(t.handle), url).toEqual(before);
  }

  it('refuses a leap second in from or to with 400, not a 500', async () => {
    await refused('/api/v1/audit-events?from=2016-12-31T23:59:60Z', 'querystring/from');
    await refused('/api/v1/audit-events?to=2016-12-31T23:59:60Z', 'querystring/to');
    await refused('/api/v1/audit-events?from=2024-01-01T00:59:60%2B01:00', 'querystring/from');
    // An offset without minutes passes Ajv's date-time but not Date.parse: it was a 500 too.
    await refused('/api/v1/audit-events?from=2024-01-01T00:00:00%2B01', 'querystring/from');
    // A field error comes before the role (README, Errors: order).
    await refused('/api/v1/audit-events?from=2016-12-31T23:59:60Z', 'querystring/from', t.staffToken);
  });

  it('still filters by a valid time, offsets included', async () => {
    const all = (await get('/api/v1/audit-events?limit=500')).json().items as Array<{ at: string }>;
    expect(all.length).toBeGreaterThan(0);
    const oldest = all.at(-1)!.at;
    const r = await get(`/api/v1/audit-events?to=${encodeURIComponent(oldest.replace('Z', '+00:00'))}`);
    expect(r.statusCode).toBe(200);
    expect(r.json().items.every((e: { at: string }) => e.at < oldest)).toBe(true);
    expect((await get('/api/v1/audit-events?from=2999-01-01T00:00:00Z')).json().items).toEqual([]);
  });

  it('takes a page size of 1 to 500 and refuses a larger one instead of cutting it to 500', async () => {
    await refused('/api/v1/audit-events?limit=999', 'querystring/limit');
    await refused('/api/v1/audit-events?limit=501', 'querystring/limit');
    await refused('/api/v1/audit-events?limit=0', 'querystring/limit');
    await refused('/api/v1/calls?limit=501', 'querystring/limit');
    await refused('/api/v1/calls?limit=600', 'querystring/limit');
    for (const url of ['/api/v1/audit-events?limit=500', '/api/v1/audit-events?limit=1', '/api/v1/audit-events?limit=99', '/api/v1/calls?limit=500', '/api/v1/calls?limit=250']) {
      expect((await get(url)).statusCode, url).toBe(200);
    }
    expect((await get('/api/v1/audit-events?limit=1')).json().items).toHaveLength(1);
  });

  it('refuses a parameter the route does not take, on every route, writing nothing', async () => {
    // The public GETs (health, the OpenAPI document) take any query: below.
    const routes = registeredRoutes(t.app).filter((r) => r.url.startsWith('/api/') && !(r.access === 'public' && (r.method === 'GET' || r.method === 'HEAD')));
    expect(routes.length).toBeGreaterThan(30);
    const before = await tableSnapshot(t.handle);
    for (const r of routes) {
      const url = r.url.replace(':which', 'busy').replace(':id', t.staff.id);
      const body =
        r.url.includes('greetings') ? { payload: pcmWav(tone(1000)), headers: { 'content-type': 'audio/wav' } } : ['POST', 'PUT', 'PATCH'].includes(r.method) ? { payload: {} } : {};
      const res = await t.app.inject({ method: r.method as 'GET', url: `${url}?zorb=1`, ...body, headers: { ...bearer(t.ownerToken), ...(body.headers ?? {}) } });
      // A body is validated before the query: an empty one may fail first, but never on a route that reads nothing.
      expect([res.statusCode, res.json().error?.code], `${r.method} ${r.url}: ${res.body}`).toEqual([400, 'VALIDATION_FAILED']);
      if (r.method === 'GET' || r.method === 'DELETE') expect(res.json().error.details.issues[0].path, `${r.method} ${r.url}`).toBe('querystring');
    }
    expect(await tableSnapshot(t.handle)).toEqual(before);
    expect((await get('/api/v1/users?zorb=1')).statusCode).toBe(400);
    expect((await get('/api/v1/users')).statusCode).toBe(200);
  });

  it('lets a monitor poll health and the OpenAPI document with a cache-buster', async () => {
    for (const url of ['/api/v1/health?_=1732870000', '/api/v1/openapi.json?nocache=1']) {
      const res = await t.app.inject({ method: 'GET', url });
      expect(res.statusCode, url).toBe(200);
    }
    expect((await t.app.inject({ method: 'HEAD', url: '/api/v1/health?_=1' })).statusCode).toBe(200);
  });
});
