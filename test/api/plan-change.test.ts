// A plan change turns off the practice switches the new plan leaves out.
// Before, they stayed on underneath (shown off and locked in the portal,
// where nobody could clear them), and a later upgrade switched call
// recording or transcription back on with nobody asking.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';

describe('moving a practice to a smaller plan and back', () => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi('sqlite');
  });
  afterAll(() => t.close());

  const policy = async () => (await t.app.inject({ method: 'GET', url: '/api/v1/policy', headers: bearer(t.ownerToken) })).json();
  const setTier = async (tier: string) => {
    const r = await t.app.inject({ method: 'PATCH', url: '/api/v1/practice', headers: bearer(t.ownerToken), payload: { tier } });
    expect(r.statusCode, r.body).toBe(200);
  };

  it('turns the left-out switches off, records it, and does not bring them back on upgrade', async () => {
    await setTier('pro');
    const on = await t.app.inject({ method: 'PATCH', url: '/api/v1/policy', headers: bearer(t.ownerToken), payload: { callRecording: true, voicemailTranscription: true, texting: true } });
    expect(on.statusCode, on.body).toBe(200);

    await setTier('essentials');
    expect(await policy()).toMatchObject({ callRecording: false, voicemailTranscription: false, texting: true });
    const events = await t.handle.db.selectFrom('audit_events').select(['details', 'actor_id']).where('practice_id', '=', t.practice.id).where('action', '=', 'settings.update').where('object_type', '=', 'policy').orderBy('seq', 'desc').limit(1).execute();
    expect(events[0]?.actor_id).toBe(t.owner.id);
    expect(JSON.parse(String(events[0]?.details))).toMatchObject({ after: { callRecording: false, voicemailTranscription: false } });

    await setTier('pro');
    expect(await policy()).toMatchObject({ callRecording: false, voicemailTranscription: false, texting: true });
  });
});
