// A greeting upload is checked in the README's order (Errors: 401, then the
// body 400/413/415, then its fields, then the role 403, then the command
// 404): a JSON body was answered 404 or 403 after the box was looked up,
// where it should have been a 415 before anything. Nothing is written by any
// refusal.
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, CLI_ACTOR } from '../../src/directory/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';
import { boxOf, pcmWav, tone } from '../support/voicemail.ts';

const NO_BOX = '00000000-0000-7000-8000-000000000000';

describe.each(DIALECTS)('greeting upload order, on %s', (dialect) => {
  let t: TestApi;
  let ownBox: string;
  let otherBox: string;
  beforeAll(async () => {
    t = await createTestApi(dialect);
    await addUser(t.handle.db, t.practice.id, { email: 'doc@cedar.example', displayName: 'Dr Doc', role: 'provider', extension: '102' }, CLI_ACTOR);
    ownBox = (await boxOf(t.handle.db, t.practice.id, '101')).id;
    otherBox = (await boxOf(t.handle.db, t.practice.id, '102')).id;
  });
  afterAll(() => t.close());

  const put = (box: string, token: string | null, body: Pick<InjectOptions, 'payload' | 'headers'>): InjectOptions => ({
    method: 'PUT',
    url: `/api/v1/voicemail-boxes/${box}/greetings/busy`,
    headers: { ...(token ? bearer(token) : {}), ...(body.headers ?? {}) },
    ...(body.payload !== undefined ? { payload: body.payload } : {}),
  });
  const json = { payload: { greeting: 'hello' }, headers: { 'content-type': 'application/json' } };
  const wav = { payload: pcmWav(tone(1000)), headers: { 'content-type': 'audio/wav' } };
  const notWav = { payload: Buffer.from('not a wav file at all'), headers: { 'content-type': 'audio/wav' } };

  async function answers(request: InjectOptions, status: number, code: string): Promise<void> {
    const before = await tableSnapshot(t.handle);
    const r = await t.app.inject(request);
    expect([r.statusCode, r.json().error?.code], r.body).toEqual([status, code]);
    expect(await tableSnapshot(t.handle)).toEqual(before);
  }

  it('a body that is not audio/wav is 415 before the box is looked up or the role checked', async () => {
    await answers(put(otherBox, t.staffToken, json), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await answers(put(NO_BOX, t.ownerToken, json), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await answers(put(NO_BOX, t.staffToken, json), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await answers(put(NO_BOX, t.ownerToken, {}), 415, 'UNSUPPORTED_MEDIA_TYPE');
    await answers(put(ownBox, t.staffToken, json), 415, 'UNSUPPORTED_MEDIA_TYPE');
  });

  it('audio that is not a greeting is 400 before the role and the box', async () => {
    await answers(put(otherBox, t.staffToken, notWav), 400, 'VOICEMAIL_BAD_AUDIO');
    await answers(put(NO_BOX, t.ownerToken, notWav), 400, 'VOICEMAIL_BAD_AUDIO');
  });

  it("then the role: someone else's box, or one that does not exist, is 403 to a user who is not an admin", async () => {
    await answers(put(otherBox, t.staffToken, wav), 403, 'FORBIDDEN');
    await answers(put(NO_BOX, t.staffToken, wav), 403, 'FORBIDDEN');
  });

  it('then the command: an admin gets 404 for a box that does not exist, and saves any other', async () => {
    await answers(put(NO_BOX, t.ownerToken, wav), 404, 'VOICEMAIL_NOT_FOUND');
    const saved = await t.app.inject(put(otherBox, t.ownerToken, wav));
    expect([saved.statusCode, saved.json()]).toEqual([200, { boxId: otherBox, which: 'busy', durationMs: 1000 }]);
    const own = await t.app.inject(put(ownBox, t.staffToken, wav));
    expect(own.statusCode).toBe(200);
  });

  it('and authentication before all of it', async () => {
    await answers(put(NO_BOX, null, json), 401, 'UNAUTHENTICATED');
  });
});
