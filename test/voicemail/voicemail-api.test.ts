// The voicemail routes on both databases: who may see a box's messages
// (owner, grant; not an admin as such), the standard error shape for bad
// input and unknown ids, heard-marks and deletes with their audit events,
// greeting uploads, and MailboxAccess as the phone menu and MWI see it.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { addUser, CLI_ACTOR, createApiToken, grantVoicemailBox } from '../../src/directory/index.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';
import { boxOf, leaveMessage, pcmWav, tone } from '../support/voicemail.ts';

describe.each(DIALECTS)('voicemail API on %s', (dialect) => {
  let t: TestApi;
  let box: Awaited<ReturnType<typeof boxOf>>;
  beforeAll(async () => {
    t = await createTestApi(dialect);
    box = await boxOf(t.handle.db, t.practice.id, '101');
  });
  afterAll(() => t.close());

  const get = (url: string, token: string) => t.app.inject({ method: 'GET', url, headers: bearer(token) });

  it('lists a box to its owner and to a granted user, never to an admin without a grant', async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    const own = await get('/api/v1/voicemails', t.staffToken);
    expect(own.json().items.map((i: { id: string }) => i.id)).toContain(m.id);
    // Read as the box's owner: no break-glass, so nothing read-only.
    expect(own.json().items[0]).toMatchObject({ extension: '101', heard: false, partial: false, transcript: null, durationMs: 2000, breakGlassUntil: null });
    expect((await get('/api/v1/voicemails', t.ownerToken)).json().items).toEqual([]);
    expect((await get(`/api/v1/voicemails/${m.id}`, t.ownerToken)).json().error.code).toBe('VOICEMAIL_NOT_FOUND');

    const { user } = await addUser(t.handle.db, t.practice.id, { email: `granted-${dialect}@cedar.example`, displayName: 'G', role: 'staff' }, CLI_ACTOR);
    await grantVoicemailBox(t.handle.db, t.practice.id, box.id, user.id, CLI_ACTOR);
    const token = (await createApiToken(t.handle.db, t.practice.id, user.id, 'staff', 'x', CLI_ACTOR)).token;
    expect((await get(`/api/v1/voicemails/${m.id}`, token)).statusCode).toBe(200);
  });

  it('filters the list by extension (?extension=101), among the boxes the caller may read only', async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    const ids = async (url: string, token: string) => {
      const r = await get(url, token);
      expect(r.statusCode, r.body).toBe(200);
      return (r.json().items as Array<{ id: string; extension: string }>).map((i) => `${i.extension}:${i.id}`);
    };
    expect(await ids('/api/v1/voicemails?extension=101', t.staffToken)).toContain(`101:${m.id}`);
    expect((await ids('/api/v1/voicemails?extension=101', t.staffToken)).every((i) => i.startsWith('101:'))).toBe(true);
    // Another extension's box, or one the caller may not read: an empty list, as for an empty box (no hint it exists).
    expect(await ids('/api/v1/voicemails?extension=555', t.staffToken)).toEqual([]);
    expect(await ids('/api/v1/voicemails?extension=101', t.ownerToken)).toEqual([]);
    // Not an extension at all (as the CLI refuses it): 400.
    for (const wrong of ['abc', '0101', '1']) {
      const bad = await get(`/api/v1/voicemails?extension=${wrong}`, t.staffToken);
      expect([bad.statusCode, bad.json().error.code], wrong).toEqual([400, 'VALIDATION_FAILED']);
    }
  });

  it("finds, by the message's id in the audit log, the lists that showed it as well as its reads", async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    expect((await get('/api/v1/voicemails', t.staffToken)).statusCode).toBe(200);
    expect((await get(`/api/v1/voicemails/${m.id}`, t.staffToken)).statusCode).toBe(200);
    const events = async (query: string) =>
      ((await get(`/api/v1/audit-events?${query}`, t.ownerToken)).json().items as { action: string; actor: { id: string } }[]).map((e) => [e.action, e.actor.id]);
    const staffId = t.staff.id;
    expect(await events(`object=${m.id}`)).toEqual([
      ['voicemail.read', staffId],
      ['voicemail.list', staffId],
      ['voicemail.deposit', expect.any(String)],
    ]);
    expect(await events(`object=${m.id}&objectType=voicemail&actor=${staffId}`)).toEqual([
      ['voicemail.read', staffId],
      ['voicemail.list', staffId],
    ]);
    expect(await events(`object=${m.id}&objectType=user`)).toEqual([]);
  });

  it('audits a play only for a GET that sends the audio: a HEAD is not a route', async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    const plays = async () => (await t.handle.db.selectFrom('audit_events').select('seq').where('object_id', '=', m.id).where('action', '=', 'voicemail.play').execute()).length;
    const head = await t.app.inject({ method: 'HEAD', url: `/api/v1/voicemails/${m.id}/audio`, headers: bearer(t.staffToken) });
    expect(head.statusCode).toBe(404);
    expect(await plays()).toBe(0);
    const played = await get(`/api/v1/voicemails/${m.id}/audio`, t.staffToken);
    expect([played.statusCode, played.headers['content-type']]).toEqual([200, 'audio/wav']);
    expect(await plays()).toBe(1);
    expect((await t.app.inject({ method: 'HEAD', url: '/api/v1/health' })).statusCode).toBe(200);
  });

  it("records a refused attempt on someone else's message (the caller still sees only 404)", async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    const owner = { headers: bearer(t.ownerToken) };
    const tries = [
      await t.app.inject({ method: 'GET', url: `/api/v1/voicemails/${m.id}`, ...owner }),
      await t.app.inject({ method: 'GET', url: `/api/v1/voicemails/${m.id}/audio`, ...owner }),
      await t.app.inject({ method: 'PATCH', url: `/api/v1/voicemails/${m.id}`, ...owner, payload: { heard: true } }),
      await t.app.inject({ method: 'DELETE', url: `/api/v1/voicemails/${m.id}`, ...owner }),
    ];
    for (const r of tries) expect([r.statusCode, r.json().error.code]).toEqual([404, 'VOICEMAIL_NOT_FOUND']);
    const rows = await t.handle.db.selectFrom('audit_events').select(['action', 'outcome', 'actor_id']).where('object_id', '=', m.id).where('outcome', '=', 'denied').orderBy('seq').execute();
    expect(rows).toEqual(['voicemail.read', 'voicemail.play', 'voicemail.mark_heard', 'voicemail.delete'].map((action) => ({ action, outcome: 'denied', actor_id: t.owner.id })));
    expect((await get(`/api/v1/voicemails/${m.id}`, t.staffToken)).json()).toMatchObject({ id: m.id, heard: false });
  });

  it('lets break-glass read a box (audited with the grant) but not mark heard or delete', async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    const { user } = await addUser(t.handle.db, t.practice.id, { email: `glass-${dialect}@cedar.example`, displayName: 'Dr Glass', role: 'provider' }, CLI_ACTOR);
    const token = (await createApiToken(t.handle.db, t.practice.id, user.id, 'provider', 'x', CLI_ACTOR)).token;
    const reason = 'The box owner is away and a lab is waiting on a callback';
    const opened = await t.app.inject({ method: 'POST', url: '/api/v1/break-glass', headers: bearer(token), payload: { targetType: 'voicemail_box', targetId: box.id, reason, minutes: 15 } });
    expect(opened.statusCode, opened.body).toBe(201);
    const list = await get('/api/v1/voicemails', token);
    expect(list.json().items.map((i: { id: string }) => i.id)).toContain(m.id);
    // The reader is told the access is break-glass (read-only) and when it ends, on the list and on the message.
    const expiresAt: string = opened.json().expiresAt;
    expect(list.json().items.find((i: { id: string }) => i.id === m.id)).toMatchObject({ breakGlassUntil: expiresAt });
    expect((await get(`/api/v1/voicemails/${m.id}`, token)).json()).toMatchObject({ id: m.id, breakGlassUntil: expiresAt });
    expect((await get(`/api/v1/voicemails/${m.id}`, t.staffToken)).json()).toMatchObject({ id: m.id, breakGlassUntil: null });
    const listed = await t.handle.db.selectFrom('audit_events').select('details').where('action', '=', 'voicemail.list').where('actor_id', '=', user.id).executeTakeFirstOrThrow();
    expect(String(listed.details)).toContain(m.id);
    expect(String(listed.details)).toContain(opened.json().id);

    const heard = await t.app.inject({ method: 'PATCH', url: `/api/v1/voicemails/${m.id}`, headers: bearer(token), payload: { heard: true } });
    expect(heard.statusCode).toBe(403);
    expect(heard.json().error.code).toBe('BREAK_GLASS_READ_ONLY');
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/voicemails/${m.id}`, headers: bearer(token) });
    expect(del.statusCode).toBe(403);
    expect((await get(`/api/v1/voicemails/${m.id}`, t.staffToken)).json()).toMatchObject({ id: m.id, heard: false });
    // Each refusal is on the audit log as the 404 refusals are: the action tried, denied, with the grant it rested on (no PHI).
    const denied = await t.handle.db.selectFrom('audit_events').select(['action', 'outcome', 'actor_id', 'object_type', 'details']).where('object_id', '=', m.id).where('outcome', '=', 'denied').orderBy('seq').execute();
    expect(denied.map((e) => ({ ...e, details: typeof e.details === 'string' ? JSON.parse(e.details) : e.details }))).toEqual(
      ['voicemail.mark_heard', 'voicemail.delete'].map((action) => ({
        action,
        outcome: 'denied',
        actor_id: user.id,
        object_type: 'voicemail',
        details: { reason: 'break_glass_read_only', breakGlassId: opened.json().id },
      })),
    );
  });

  it('answers unknown ids with 404 and bad input with 400, in the standard error shape', async () => {
    const missing = await get('/api/v1/voicemails/01a22097-0000-7000-8000-000000000000/audio', t.staffToken);
    expect(missing.statusCode).toBe(404);
    expect(missing.json()).toEqual({ error: { code: 'VOICEMAIL_NOT_FOUND', message: 'voicemail not found' } });
    const m = await leaveMessage(t.voicemail.store, box);
    const bad = await t.app.inject({ method: 'PATCH', url: `/api/v1/voicemails/${m.id}`, headers: bearer(t.staffToken), payload: { heard: 'yes' } });
    expect(bad.statusCode).toBe(400);
    expect(bad.json().error.code).toBe('VALIDATION_FAILED');
    const notWav = await t.app.inject({ method: 'PUT', url: `/api/v1/voicemail-boxes/${box.id}/greetings/unavailable`, headers: { ...bearer(t.staffToken), 'content-type': 'audio/wav' }, payload: Buffer.from('not a wav file at all') });
    expect(notWav.statusCode).toBe(400);
    expect(notWav.json().error.code).toBe('VOICEMAIL_BAD_AUDIO');
    const badWhich = await t.app.inject({ method: 'PUT', url: `/api/v1/voicemail-boxes/${box.id}/greetings/holiday`, headers: { ...bearer(t.staffToken), 'content-type': 'audio/wav' }, payload: pcmWav(tone(1000)) });
    expect(badWhich.statusCode).toBe(400);
  });

  it('marks heard and deletes, telling MWI each time, and orders the mailbox unheard first', async () => {
    const changes: string[] = [];
    const off = t.voicemail.store.onChange((b) => changes.push(b));
    const older = await leaveMessage(t.voicemail.store, box);
    const newer = await leaveMessage(t.voicemail.store, box);
    const before = await t.voicemail.store.counts(box.id);
    const heard = await t.app.inject({ method: 'PATCH', url: `/api/v1/voicemails/${newer.id}`, headers: bearer(t.staffToken), payload: { heard: true } });
    expect(heard.json().heard).toBe(true);
    expect(await t.voicemail.store.counts(box.id)).toEqual({ newMessages: before.newMessages - 1, oldMessages: before.oldMessages + 1 });
    // Marked again: the same answer, no second event, no MWI change (operator audit finding: repeats wrote no-op events).
    const again = await t.app.inject({ method: 'PATCH', url: `/api/v1/voicemails/${newer.id}`, headers: bearer(t.staffToken), payload: { heard: true } });
    expect(again.json().heard).toBe(true);
    const marks = await t.handle.db.selectFrom('audit_events').select('seq').where('action', '=', 'voicemail.mark_heard').where('object_id', '=', newer.id).execute();
    expect(marks).toHaveLength(1);
    const listed = await t.voicemail.store.list(box.id);
    expect(listed.findIndex((x) => x.id === older.id)).toBeLessThan(listed.findIndex((x) => x.id === newer.id));
    const del = await t.app.inject({ method: 'DELETE', url: `/api/v1/voicemails/${older.id}`, headers: bearer(t.staffToken) });
    expect(del.statusCode).toBe(204);
    expect((await get(`/api/v1/voicemails/${older.id}`, t.staffToken)).statusCode).toBe(404);
    await expect(t.voicemail.vault.openBytes({ practiceId: t.practice.id, objectId: older.audioObjectId })).rejects.toMatchObject({ code: expect.stringMatching(/^VAULT_(SHREDDED|NOT_FOUND)$/) });
    expect((await t.voicemail.vault.receipts({ practiceId: t.practice.id })).map((r) => r.objectId)).toContain(older.audioObjectId);
    off();
    expect(changes).toEqual([box.id, box.id, box.id, box.id]);
  });

  it('plays audio through MailboxAccess as PCM16, audited as a play by the phone', async () => {
    const m = await leaveMessage(t.voicemail.store, box, tone(1000));
    const pcm = await t.voicemail.store.audio(m.id, { type: 'user', id: t.staff.id });
    expect(pcm.length).toBe(8000);
    const ev = await t.handle.db.selectFrom('audit_events').select(['action', 'object_id', 'details']).where('object_id', '=', m.id).orderBy('seq').execute();
    expect(ev.map((e) => e.action)).toEqual(['voicemail.deposit', 'voicemail.play']);
  });

  it('stores an uploaded greeting and plays it back to callers', async () => {
    const res = await t.app.inject({ method: 'PUT', url: `/api/v1/voicemail-boxes/${box.id}/greetings/unavailable`, headers: { ...bearer(t.staffToken), 'content-type': 'audio/wav' }, payload: pcmWav(tone(1500)) });
    expect(res.json()).toEqual({ boxId: box.id, which: 'unavailable', durationMs: 1500 });
    expect((await t.voicemail.greetings.greeting(box.id, 'busy'))?.length).toBe(12000);
    const other = await t.app.inject({ method: 'PUT', url: `/api/v1/voicemail-boxes/${box.id}/greetings/busy`, headers: { ...bearer((await createApiToken(t.handle.db, t.practice.id, (await addUser(t.handle.db, t.practice.id, { email: `x-${dialect}@cedar.example`, displayName: 'X', role: 'staff' }, CLI_ACTOR)).user.id, 'staff', 'x', CLI_ACTOR)).token), 'content-type': 'audio/wav' }, payload: pcmWav(tone(1500)) });
    expect(other.statusCode).toBe(403);
  });

  it('finishes a recording interrupted by a crash as a partial message', async () => {
    const { messageId, writer } = await t.voicemail.store.startRecording(box);
    await writer.write(Buffer.alloc(8000, 0x55));
    await writer.flush();
    // What the vault's start-up recovery does to an object left 'writing' (tested in test/vault): partial, durable size.
    await t.handle.db.updateTable('vault_objects').set({ state: 'partial', size: 8000 }).where('id', '=', (await t.handle.db.selectFrom('voicemail_messages').select('audio_object_id').where('id', '=', messageId).executeTakeFirstOrThrow()).audio_object_id).execute();
    const { recovered } = await t.voicemail.store.recoverInterrupted();
    expect(recovered.map((r) => [r.id, r.partial, r.durationMs])).toEqual([[messageId, true, 1000]]);
  });
});
