// Retention and legal holds on both databases, as an admin and a box owner
// see them through the API: deadlines from the practice policy (for new
// messages and, after a change, stored ones), a purge that takes a message
// out of the inbox and the lamp count with its transcript, one audited
// retention.purge event and readable receipts; holds on a voicemail or a
// user stop both the purge and a delete (409 VOICEMAIL_LEGAL_HOLD).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetentionPurge } from '../../src/app/retention-purge.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS, tableSnapshot } from '../support/db.ts';
import { boxOf, leaveMessage, tone } from '../support/voicemail.ts';
import { addUser, CLI_ACTOR, createApiToken } from '../../src/directory/index.ts';
import { VaultGreetingStore } from '../../src/voicemail/index.ts';

const DAY = 86_400_000;

describe.each(DIALECTS)('retention and legal holds on %s', (dialect) => {
  let t: TestApi;
  let box: Awaited<ReturnType<typeof boxOf>>;
  const changed: string[] = [];
  beforeAll(async () => {
    t = await createTestApi(dialect);
    box = await boxOf(t.handle.db, t.practice.id, '101');
    t.voicemail.store.onChange((boxId) => changed.push(boxId));
  });
  afterAll(() => t.close());

  const call = (method: 'GET' | 'PUT' | 'DELETE' | 'PATCH', url: string, token: string, payload?: unknown) =>
    t.app.inject({ method, url, headers: bearer(token), ...(payload !== undefined ? { payload: payload as Record<string, unknown> } : {}) });
  const inbox = async () => ((await call('GET', '/api/v1/voicemails', t.staffToken)).json().items as Array<{ id: string }>).map((i) => i.id);
  const deadlineOf = async (objectId: string) => (await t.voicemail.vault.stat({ practiceId: t.practice.id, objectId })).retentionDeadline?.getTime();
  const purge = (now: Date) => runRetentionPurge({ db: t.handle.db, vault: t.voicemail.vault, store: t.voicemail.store }, { now });
  const events = async (action: string) =>
    (await call('GET', `/api/v1/audit-events?action=${action}`, t.ownerToken)).json().items as Array<{ actor: { type: string; id: string | null }; object: { type: string; id: string } | null; outcome: string; details: Record<string, unknown> }>;

  it("gives a new message the practice's voicemail period, and moves stored deadlines when the policy changes", async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    await t.voicemail.store.attachTranscript(m, 'please call back', 'test-engine');
    const full = await t.voicemail.store.get(t.practice.id, m.id);
    const created = (await t.voicemail.vault.stat({ practiceId: t.practice.id, objectId: m.audioObjectId })).createdAt.getTime();
    // The safe default policy keeps voicemail and transcripts 90 days (the vault's own default was 365).
    expect(await deadlineOf(m.audioObjectId)).toBe(created + 90 * DAY);

    const longer = await call('PATCH', '/api/v1/policy', t.ownerToken, { retention: { voicemailDays: 3650, transcriptDays: 3650 } });
    expect(longer.statusCode, longer.body).toBe(200);
    expect(await deadlineOf(m.audioObjectId)).toBe(created + 3650 * DAY);
    const transcriptCreated = (await t.voicemail.vault.stat({ practiceId: t.practice.id, objectId: full.transcriptObjectId! })).createdAt.getTime();
    expect(await deadlineOf(full.transcriptObjectId!)).toBe(transcriptCreated + 3650 * DAY);

    // Shorter: recomputed from each object's creation time, so an old message becomes due at once.
    expect((await call('PATCH', '/api/v1/policy', t.ownerToken, { retention: { voicemailDays: 30, transcriptDays: 30 } })).statusCode).toBe(200);
    expect(await deadlineOf(m.audioObjectId)).toBe(created + 30 * DAY);
    // The audit log's six years stay a floor: 400, and nothing moves.
    const before = await tableSnapshot(t.handle);
    const short = await call('PATCH', '/api/v1/policy', t.ownerToken, { retention: { auditDays: 30, voicemailDays: 1 } });
    expect([short.statusCode, short.json().error.code]).toEqual([400, 'RETENTION_TOO_SHORT']);
    expect(await tableSnapshot(t.handle)).toEqual(before);
  });

  it('never brings a deadline in unless an admin shortened that kind: an upgrade whose policy is shorter than stored deadlines destroys nothing (review finding)', async () => {
    // A message stored by an earlier Sotto, under the vault's old 365-day default, 200 days ago by now; the policy says 90.
    const m = await leaveMessage(t.voicemail.store, box);
    const created = (await t.voicemail.vault.stat({ practiceId: t.practice.id, objectId: m.audioObjectId })).createdAt.getTime();
    await t.handle.db.updateTable('vault_objects').set({ retention_deadline: new Date(created + 365 * DAY).toISOString() }).where('id', '=', m.audioObjectId).execute();
    await t.voicemail.vault.syncRetention(t.practice.id, {}, new Set(), new Set()); // nothing to do: a no-op policy
    expect((await call('PATCH', '/api/v1/policy', t.ownerToken, { retention: { voicemailDays: 90 } })).statusCode).toBe(200);

    // The purge at start and each hour: the stored deadline stays, the message too.
    await purge(new Date(created + 200 * DAY));
    expect(await deadlineOf(m.audioObjectId)).toBe(created + 365 * DAY);
    expect(await inbox()).toContain(m.id);
    // Shortening another kind (faxes) does not reach voicemail.
    expect((await call('PATCH', '/api/v1/policy', t.ownerToken, { retention: { faxDays: 30 } })).statusCode).toBe(200);
    expect(await deadlineOf(m.audioObjectId)).toBe(created + 365 * DAY);
    // An admin shortening voicemail does: the message is due, as they chose.
    expect((await call('PATCH', '/api/v1/policy', t.ownerToken, { retention: { voicemailDays: 60 } })).statusCode).toBe(200);
    expect(await deadlineOf(m.audioObjectId)).toBe(created + 60 * DAY);
    await purge(new Date(created + 200 * DAY));
    expect(await inbox()).not.toContain(m.id);
    // Back to what the first test left (voicemail 30 days) for the tests below.
    expect((await call('PATCH', '/api/v1/policy', t.ownerToken, { retention: { voicemailDays: 30, faxDays: 365 } })).statusCode).toBe(200);
  });

  it('purges an expired message out of the inbox, the lamp count and the API, with its transcript, one audit event and receipts', async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    await t.voicemail.store.attachTranscript(m, 'please call back', 'test-engine');
    const full = await t.voicemail.store.get(t.practice.id, m.id);
    const kept = await leaveMessage(t.voicemail.store, box);
    // The second message is younger: 40 days on, only the first (30 days) is due... as is every older message of this suite.
    await t.handle.db.updateTable('vault_objects').set({ created_at: new Date(Date.now() + 20 * DAY).toISOString() }).where('id', '=', kept.audioObjectId).execute();
    expect(await inbox()).toContain(m.id);
    const countsBefore = await t.voicemail.store.counts(box.id);
    changed.length = 0;

    const run = await purge(new Date(Date.now() + 40 * DAY));
    const mine = run.practices.find((p) => p.practiceId === t.practice.id)!;
    expect(mine.messageIds).toContain(m.id);
    expect(mine.messageIds).not.toContain(kept.id);
    expect(mine.receipts.map((r) => r.objectId)).toEqual(expect.arrayContaining([m.audioObjectId, full.transcriptObjectId]));

    // Gone from the inbox, the lamp (MWI is told), and every route.
    expect(await inbox()).not.toContain(m.id);
    expect(await inbox()).toContain(kept.id);
    expect(changed).toContain(box.id);
    expect((await t.voicemail.store.counts(box.id)).newMessages).toBe(countsBefore.newMessages - mine.messageIds.length);
    for (const url of [`/api/v1/voicemails/${m.id}`, `/api/v1/voicemails/${m.id}/audio`]) {
      const r = await call('GET', url, t.staffToken);
      expect([r.statusCode, r.json().error.code], url).toEqual([404, 'VOICEMAIL_NOT_FOUND']);
    }

    // One retention.purge event for the practice, by the system, naming what went (ids and kinds, no PHI).
    const purges = await events('retention.purge');
    // (The test above made a purge of its own: this run's is the newest, and the one naming this message.)
    expect(purges.filter((e) => (e.details['messageIds'] as string[]).includes(m.id))).toHaveLength(1);
    expect(purges[0]).toMatchObject({ actor: { type: 'system', id: 'retention' }, object: null, outcome: 'success' });
    expect(purges[0]!.details).toMatchObject({ destroyed: mine.receipts.length, messagesRemoved: mine.messageIds.length, keptUnderHold: 0 });
    expect(purges[0]!.details['objects']).toEqual(expect.arrayContaining([`voicemail:${m.audioObjectId}`, `transcript:${full.transcriptObjectId}`]));
    expect(purges[0]!.details['messageIds']).toContain(m.id);
    expect(JSON.stringify(purges[0])).not.toContain('please call back');

    // Receipts: an admin reads them; a staff member may not.
    const receipts = await call('GET', '/api/v1/retention/receipts', t.ownerToken);
    expect(receipts.statusCode).toBe(200);
    const items = receipts.json().items as Array<{ objectId: string; kind: string; reason: string; method: string }>;
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining({ objectId: m.audioObjectId, kind: 'voicemail', reason: 'retention_expired', method: 'crypto_shred' })]));
    expect(items).toEqual(expect.arrayContaining([expect.objectContaining({ objectId: full.transcriptObjectId, kind: 'transcript', reason: 'retention_expired' })]));
    const denied = await call('GET', '/api/v1/retention/receipts', t.staffToken);
    expect([denied.statusCode, denied.json().error.code]).toEqual([403, 'FORBIDDEN']);

    // A run with nothing due records nothing.
    const recorded = (await events('retention.purge')).length;
    await purge(new Date(Date.now() + 40 * DAY));
    expect(await events('retention.purge')).toHaveLength(recorded);
    const status = (await call('GET', '/api/v1/retention', t.ownerToken)).json();
    expect(status.days).toMatchObject({ voicemail: 30, transcript: 30 });
    expect(status.lastPurgeAt).toEqual(expect.any(String));
  });

  it('a hold on one voicemail stops the purge and the delete (409) until it is released; only admins place it', async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    const url = `/api/v1/legal-holds/voicemails/${m.id}`;
    const snapshot = await tableSnapshot(t.handle);
    for (const [token, body, status, code] of [
      [t.staffToken, { reference: 'CASE-2026-17' }, 403, 'FORBIDDEN'],
      [t.ownerToken, { reference: 'John Smith chart' }, 400, 'VALIDATION_FAILED'],
      [t.ownerToken, { reference: '5551234567' }, 400, 'VALIDATION_FAILED'],
      [t.ownerToken, {}, 400, 'VALIDATION_FAILED'],
    ] as const) {
      const r = await call('PUT', url, token, body);
      expect([r.statusCode, r.json().error.code]).toEqual([status, code]);
    }
    const unknown = await call('PUT', '/api/v1/legal-holds/voicemails/0190aaaa-0000-7000-8000-000000000000', t.ownerToken, { reference: 'CASE-2026-17' });
    expect([unknown.statusCode, unknown.json().error.code]).toEqual([404, 'VOICEMAIL_NOT_FOUND']);
    expect(await tableSnapshot(t.handle)).toEqual(snapshot);

    const placed = await call('PUT', url, t.ownerToken, { reference: 'CASE-2026-17' });
    expect([placed.statusCode, placed.json()]).toEqual([200, { held: true, changed: true }]);
    expect((await call('PUT', url, t.ownerToken, { reference: 'CASE-2026-17' })).json()).toEqual({ held: true, changed: false });
    expect((await call('GET', '/api/v1/legal-holds', t.ownerToken)).json().voicemails).toEqual([{ id: m.id, boxId: box.id }]);

    const del = await call('DELETE', `/api/v1/voicemails/${m.id}`, t.staffToken);
    expect([del.statusCode, del.json().error.code]).toEqual([409, 'VOICEMAIL_LEGAL_HOLD']);
    // A transcript made after the hold is held with its message (review finding).
    await t.voicemail.store.attachTranscript(m, 'please call back', 'test-engine');
    const transcriptId = (await t.voicemail.store.get(t.practice.id, m.id)).transcriptObjectId!;
    expect((await t.voicemail.vault.stat({ practiceId: t.practice.id, objectId: transcriptId })).legalHold).toBe(true);
    await purge(new Date(Date.now() + 400 * DAY));
    expect(await inbox()).toContain(m.id);
    expect((await call('GET', `/api/v1/voicemails/${m.id}`, t.staffToken)).json().transcript).toMatchObject({ text: 'please call back' });

    // An admin places holds; only an owner lifts one (review finding: release, then delete, and the hold protected nothing).
    const { user: admin } = await addUser(t.handle.db, t.practice.id, { email: `hold-admin-${dialect}@cedar.example`, displayName: 'Hal Admin', role: 'admin' }, CLI_ACTOR);
    const adminToken = (await createApiToken(t.handle.db, t.practice.id, admin.id, 'admin', 'test', CLI_ACTOR)).token;
    const refused = await call('DELETE', url, adminToken);
    expect([refused.statusCode, refused.json().error.code]).toEqual([403, 'FORBIDDEN']);
    expect((await call('GET', '/api/v1/legal-holds', adminToken)).json().voicemails).toEqual([{ id: m.id, boxId: box.id }]);
    expect((await call('DELETE', url, t.ownerToken)).json()).toEqual({ held: false, changed: true });
    expect((await call('DELETE', url, t.ownerToken)).json()).toEqual({ held: false, changed: false });
    await purge(new Date(Date.now() + 400 * DAY));
    expect(await inbox()).not.toContain(m.id);
    const holds = (await events('legal_hold.place')).concat(await events('legal_hold.release')).filter((e) => e.object?.id === m.id);
    expect(holds.map((e) => [e.object?.type, e.actor.id, e.details['reference'] ?? null])).toEqual([
      ['voicemail', t.owner.id, 'CASE-2026-17'],
      ['voicemail', t.owner.id, null],
    ]);
  });

  it('a hold placed between the check and the delete still wins: nothing is deleted (review finding)', async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    expect((await call('PUT', `/api/v1/legal-holds/voicemails/${m.id}`, t.ownerToken, { reference: 'CASE-2026-18' })).statusCode).toBe(200);
    // The check before the write sees no hold, as it would have a moment before the hold was placed.
    const vault = t.voicemail.vault as unknown as { holdOn: (...a: unknown[]) => Promise<unknown> };
    const holdOn = vault.holdOn;
    vault.holdOn = async () => null;
    try {
      await expect(t.voicemail.store.delete(m.id, CLI_ACTOR)).rejects.toMatchObject({ code: 'VOICEMAIL_LEGAL_HOLD' });
    } finally {
      vault.holdOn = holdOn;
    }
    expect(await inbox()).toContain(m.id);
    expect((await t.voicemail.vault.stat({ practiceId: t.practice.id, objectId: m.audioObjectId })).state).toBe('committed');
    expect((await call('DELETE', `/api/v1/legal-holds/voicemails/${m.id}`, t.ownerToken)).statusCode).toBe(200);
  });

  it("a hold on a user keeps everything they own: their messages survive the purge and cannot be deleted", async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    const url = `/api/v1/legal-holds/users/${t.staff.id}`;
    expect((await call('PUT', '/api/v1/legal-holds/users/0190aaaa-0000-7000-8000-000000000000', t.ownerToken, { reference: 'CASE-9' })).statusCode).toBe(404);
    expect((await call('PUT', url, t.ownerToken, { reference: 'CASE-9' })).json()).toEqual({ held: true, changed: true });
    expect((await call('GET', '/api/v1/legal-holds', t.ownerToken)).json().users).toEqual([{ userId: t.staff.id, reference: 'CASE-9', placedAt: expect.any(String) }]);

    const del = await call('DELETE', `/api/v1/voicemails/${m.id}`, t.staffToken);
    expect([del.statusCode, del.json().error.code]).toEqual([409, 'VOICEMAIL_LEGAL_HOLD']);
    const before = (await events('retention.purge')).length;
    const run = await purge(new Date(Date.now() + 400 * DAY));
    expect(run.practices.find((p) => p.practiceId === t.practice.id)?.keptUnderHold).toBeGreaterThan(0);
    expect(await inbox()).toContain(m.id);
    expect(await events('retention.purge')).toHaveLength(before);

    expect((await call('DELETE', url, t.ownerToken)).json()).toEqual({ held: false, changed: true });
    expect((await call('DELETE', `/api/v1/voicemails/${m.id}`, t.staffToken)).statusCode).toBe(204);
    const placed = (await events('legal_hold.place')).find((e) => e.object?.id === t.staff.id);
    expect(placed).toMatchObject({ object: { type: 'user', id: t.staff.id }, actor: { id: t.owner.id }, details: { reference: 'CASE-9' } });
  });

  it("keeps a box's recorded greeting through every purge: it is the practice's recording, not a message", async () => {
    await t.voicemail.greetings.saveGreeting(box.id, 'busy', tone(1000), CLI_ACTOR);
    const row = await t.handle.db.selectFrom('voicemail_greetings').select('object_id').where('box_id', '=', box.id).where('which', '=', 'busy').executeTakeFirstOrThrow();
    await purge(new Date(Date.now() + 4000 * DAY));
    expect(await deadlineOf(row.object_id)).toBeUndefined();
    const fresh = new VaultGreetingStore(t.handle.db, t.voicemail.vault);
    expect((await fresh.greeting(box.id, 'busy'))?.length).toBe(8000);
  });

  it('records a play whose audio cannot be opened as a failure with its code, never as a success', async () => {
    const m = await leaveMessage(t.voicemail.store, box);
    t.blobs.committed.clear();
    const r = await call('GET', `/api/v1/voicemails/${m.id}/audio`, t.staffToken);
    expect(r.statusCode).toBe(503);
    const plays = (await events('voicemail.play')).filter((e) => e.object?.id === m.id);
    expect(plays.map((e) => [e.outcome, e.details['code']])).toEqual([['failure', 'VAULT_BLOB_MISSING']]);
  });
});
