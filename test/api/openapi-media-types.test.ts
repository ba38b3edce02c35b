// The OpenAPI document describes what the routes really send and take: a
// client generated from it must ask for audio/wav and upload audio/wav, not
// JSON, for the voicemail recording and the greeting.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestApi, type TestApi } from '../support/api.ts';

describe('OpenAPI media types', () => {
  let t: TestApi;
  let doc: { paths: Record<string, Record<string, { responses: Record<string, { content?: Record<string, unknown> }>; requestBody?: { content?: Record<string, unknown> } }>> };
  beforeAll(async () => {
    t = await createTestApi('sqlite');
    doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
  });
  afterAll(() => t.close());

  it('documents the recording as audio/wav', () => {
    const ok = doc.paths['/api/v1/voicemails/{id}/audio']?.get?.responses['200'];
    expect(Object.keys(ok?.content ?? {})).toEqual(['audio/wav']);
  });

  it('documents the greeting upload body as audio/wav', () => {
    const put = doc.paths['/api/v1/voicemail-boxes/{id}/greetings/{which}']?.put;
    expect(Object.keys(put?.requestBody?.content ?? {})).toEqual(['audio/wav']);
  });
});
