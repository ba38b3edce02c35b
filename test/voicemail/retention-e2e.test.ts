// Retention through a running Sotto (openRuntime + startServer: real
// database, vault under the data dir, SIP, MWI): a message left in a box
// gets its deadline from the practice policy; once it is due, the purge
// takes it out of the API and puts the phone's lamp out with a NOTIFY
// (RFC 3842 Voice-Message), records retention.purge and leaves receipts an
// admin reads. Time is moved only for the purge, by its `now`.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { runRetentionPurge } from '../../src/app/retention-purge.ts';
import { addUser, CLI_ACTOR, createApiToken } from '../../src/directory/index.ts';
import { MwiPhone } from '../mwi/mwi-phone.ts';
import { boxOf, leaveMessage, startVoicemailClinic, type VoicemailClinic } from '../support/voicemail.ts';

const DOMAIN = 'pbx.retention-e2e.test';
const DAY = 86_400_000;
const voiceMessages = (n: MwiPhone, i: number) => n.notifyNumber(i).then((r) => /Voice-Message: (\d+\/\d+)/.exec(r.body.toString('utf8'))?.[1]);

describe('retention through a running Sotto', { timeout: 60_000 }, () => {
  let clinic: VoicemailClinic;
  let lamp: MwiPhone;
  let adminToken: string;
  beforeAll(async () => {
    clinic = await startVoicemailClinic({ domain: DOMAIN, rtpPorts: '49800-49899' });
    const { user } = await addUser(clinic.rt.database.db, clinic.practiceId, { email: 'owner@retention.example', displayName: 'Owner', role: 'owner' }, CLI_ACTOR);
    adminToken = (await createApiToken(clinic.rt.database.db, clinic.practiceId, user.id, 'owner', 'test', CLI_ACTOR)).token;
  });
  afterAll(async () => {
    lamp?.close();
    await clinic?.close();
  });

  const api = (url: string, token: string, method: 'GET' | 'PATCH' = 'GET', payload?: Record<string, unknown>) =>
    clinic.sotto.api.inject({ method, url, headers: { authorization: `Bearer ${token}` }, ...(payload ? { payload } : {}) });

  it('message left -> deadline from policy -> purge -> gone from the API and the lamp, with its audit event and receipt', async () => {
    const { rt, sotto } = clinic;
    expect((await api('/api/v1/policy', adminToken, 'PATCH', { retention: { voicemailDays: 7 } })).statusCode).toBe(200);
    lamp = await MwiPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '102', password: clinic.passwords['102']! });
    expect((await lamp.subscribe()).status).toBe(200);
    expect(await voiceMessages(lamp, 1)).toBe('0/0');

    const box = await boxOf(rt.database.db, clinic.practiceId, '102');
    const message = await leaveMessage(sotto.voicemail.store, box);
    expect(await voiceMessages(lamp, 2)).toBe('1/0');
    const audio = await rt.vault.stat({ practiceId: clinic.practiceId, objectId: message.audioObjectId });
    expect(audio.retentionDeadline?.getTime()).toBe(audio.createdAt.getTime() + 7 * DAY);

    // Six days on nothing is due; eight days on the message is.
    await runRetentionPurge({ db: rt.database.db, vault: rt.vault, store: sotto.voicemail.store }, { now: new Date(audio.createdAt.getTime() + 6 * DAY) });
    expect((await api('/api/v1/voicemails', clinic.token)).json().items.map((i: { id: string }) => i.id)).toEqual([message.id]);
    await runRetentionPurge({ db: rt.database.db, vault: rt.vault, store: sotto.voicemail.store }, { now: new Date(audio.createdAt.getTime() + 8 * DAY) });

    expect(await voiceMessages(lamp, 3)).toBe('0/0');
    expect((await api('/api/v1/voicemails', clinic.token)).json().items).toEqual([]);
    const play = await api(`/api/v1/voicemails/${message.id}/audio`, clinic.token);
    expect([play.statusCode, play.json().error.code]).toEqual([404, 'VOICEMAIL_NOT_FOUND']);

    const events = (await api('/api/v1/audit-events?action=retention.purge', adminToken)).json().items;
    expect(events).toHaveLength(1);
    expect(events[0].details).toMatchObject({ destroyed: 1, messagesRemoved: 1, objects: [`voicemail:${message.audioObjectId}`], messageIds: [message.id] });
    const receipts = (await api('/api/v1/retention/receipts', adminToken)).json().items;
    expect(receipts).toEqual([expect.objectContaining({ objectId: message.audioObjectId, kind: 'voicemail', reason: 'retention_expired', method: 'crypto_shred', id: events[0].details.receiptIds[0] })]);
  });
});
