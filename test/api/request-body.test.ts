// A JSON body is UTF-8 or it is refused. Fastify's own parser decoded any
// bytes with replacement, so a Latin-1 name was stored as "Zorb\uFFFD(\uFFFD"
// and answered 200; a gzip body was read as if it were plain. Now: bytes that
// are not UTF-8 are 400 BAD_REQUEST, a charset other than UTF-8 and a
// Content-Encoding other than identity are 415 UNSUPPORTED_MEDIA_TYPE, and
// nothing is written. The rest of the parser's contract (size limit, broken
// and empty JSON, prototype poisoning) holds as before.
import { gzipSync } from 'node:zlib';
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { registeredRoutes } from '../../src/api/server.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';
import { boxOf, pcmWav, tone } from '../support/voicemail.ts';

/** {"name":"Zorb<latin-1 e-acute>(<0xFF>"}: valid Latin-1, not UTF-8. */
const LATIN1_NAME = Buffer.concat([Buffer.from('{"name":"Zorb'), Buffer.from([0xe9, 0x28, 0xff]), Buffer.from('"}')]);

describe.each(DIALECTS)('request bodies, on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect);
  });
  afterAll(() => t.close());

  const patchPractice = (payload: string | Buffer, headers: Record<string, string> = {}): InjectOptions => ({
    method: 'PATCH',
    url: '/api/v1/practice',
    headers: { ...bearer(t.ownerToken), 'content-type': 'application/json', ...headers },
    payload,
  });

  async function refused(request: InjectOptions, status: number, code: string): Promise<void> {
    const before = await tableSnapshot(t.handle);
    const r = await t.app.inject(request);
    expect([r.statusCode, r.json().error?.code], r.body).toEqual([status, code]);
    expect(Object.keys(r.json())).toEqual(['error']);
    expect(await tableSnapshot(t.handle)).toEqual(before);
  }

  it('refuses a body that is not UTF-8 with 400 BAD_REQUEST instead of storing U+FFFD', async () => {
    await refused(patchPractice(LATIN1_NAME), 400, 'BAD_REQUEST');
    // A lone surrogate written as raw bytes (CESU-8) and an overlong encoding are not UTF-8 either.
    await refused(patchPractice(Buffer.concat([Buffer.from('{"name":"Zorb'), Buffer.from([0xed, 0xa0, 0x80]), Buffer.from('"}')])), 400, 'BAD_REQUEST');
    await refused(patchPractice(Buffer.concat([Buffer.from('{"name":"Zorb'), Buffer.from([0xc0, 0xaf]), Buffer.from('"}')])), 400, 'BAD_REQUEST');
    const user = { method: 'PATCH' as const, url: `/api/v1/users/${t.staff.id}`, headers: { ...bearer(t.ownerToken), 'content-type': 'application/json' } };
    await refused({ ...user, payload: Buffer.concat([Buffer.from('{"displayName":"Zorb'), Buffer.from([0xff, 0xfe]), Buffer.from('"}')]) }, 400, 'BAD_REQUEST');
    expect((await t.app.inject({ method: 'GET', url: '/api/v1/practice', headers: bearer(t.ownerToken) })).json().name).toBe('Cedar Family Medicine');
  });

  it('refuses a charset other than UTF-8 with 415, and takes UTF-8 however it is spelt', async () => {
    await refused(patchPractice(LATIN1_NAME, { 'content-type': 'application/json; charset=latin1' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await refused(patchPractice('{"name":"Zorb"}', { 'content-type': 'application/json; charset=iso-8859-1' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await refused(patchPractice('{"name":"Zorb"}', { 'content-type': 'application/json;charset=utf-16' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    for (const type of ['application/json; charset=utf-8', 'application/json; charset="UTF-8"', 'application/json;charset=utf8', 'Application/JSON']) {
      const r = await t.app.inject(patchPractice(JSON.stringify({ name: 'Zoë Ōtani Clinic' }), { 'content-type': type }));
      expect([r.statusCode, r.json().name], type).toEqual([200, 'Zoë Ōtani Clinic']);
    }
  });

  it('refuses a Content-Encoding other than identity with 415 and Accept-Encoding: identity, on every route that takes a body', async () => {
    const body = JSON.stringify({ name: 'Gzipped Clinic' });
    await refused(patchPractice(gzipSync(body), { 'content-encoding': 'gzip' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    // Declared but not applied: still not a body this server reads as it is labelled.
    await refused(patchPractice(body, { 'content-encoding': 'gzip' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await refused(patchPractice(body, { 'content-encoding': 'br, identity' }), 415, 'UNSUPPORTED_MEDIA_TYPE');
    const r = await t.app.inject(patchPractice(body, { 'content-encoding': 'deflate' }));
    expect(r.headers['accept-encoding']).toBe('identity');

    const box = await boxOf(t.handle.db, t.practice.id, '101');
    await refused(
      { method: 'PUT', url: `/api/v1/voicemail-boxes/${box.id}/greetings/busy`, headers: { ...bearer(t.staffToken), 'content-type': 'audio/wav', 'content-encoding': 'gzip' }, payload: gzipSync(pcmWav(tone(1000))) },
      415,
      'UNSUPPORTED_MEDIA_TYPE',
    );
    const before = await tableSnapshot(t.handle);
    for (const route of registeredRoutes(t.app).filter((x) => ['POST', 'PUT', 'PATCH', 'DELETE'].includes(x.method))) {
      const url = route.url.replace(':which', 'busy').replace(':id', t.staff.id);
      const res = await t.app.inject({ method: route.method as 'POST', url, headers: { ...bearer(t.ownerToken), 'content-type': 'application/json', 'content-encoding': 'gzip' }, payload: gzipSync('{}') });
      expect([res.statusCode, res.json().error?.code], `${route.method} ${route.url}`).toEqual([415, 'UNSUPPORTED_MEDIA_TYPE']);
    }
    expect(await tableSnapshot(t.handle)).toEqual(before);

    const plain = await t.app.inject(patchPractice(body, { 'content-encoding': 'identity' }));
    expect([plain.statusCode, plain.json().name]).toEqual([200, 'Gzipped Clinic']);
  });

  it('answers 401 before looking at the body', async () => {
    const r = await t.app.inject({ method: 'PATCH', url: '/api/v1/practice', headers: { 'content-type': 'application/json; charset=latin1', 'content-encoding': 'gzip' }, payload: LATIN1_NAME });
    expect([r.statusCode, r.json().error.code]).toEqual([401, 'UNAUTHENTICATED']);
  });

  it('keeps the rest of the JSON contract: size limit, broken and empty JSON, prototype poisoning', async () => {
    await refused(patchPractice(JSON.stringify({ name: 'x'.repeat(70 * 1024) })), 413, 'BODY_TOO_LARGE');
    await refused(patchPractice('{"name": tru'), 400, 'BAD_REQUEST');
    await refused(patchPractice(''), 400, 'BAD_REQUEST');
    await refused(patchPractice('{"name":"Zorb","__proto__":{"tier":"pro-plus"}}'), 400, 'BAD_REQUEST');
    await refused(patchPractice('{"name":"Zorb","constructor":{"prototype":{"tier":"pro-plus"}}}'), 400, 'BAD_REQUEST');
    // A byte-order mark is not content.
    const bom = await t.app.inject(patchPractice(Buffer.concat([Buffer.from([0xef, 0xbb, 0xbf]), Buffer.from('{"name":"Cedar Family Medicine"}')])));
    expect(bom.statusCode).toBe(200);
  });
});
