// After a message is committed: transcription only where the tier and the box
// owner's switch allow it (sealed, labelled, audited), then a notice job per
// user of the box whose notices are on; ids only in the job. Both databases.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CLI_ACTOR, updatePolicy, updateVoicemailSettings } from '../../src/directory/index.ts';
import type { NoticeJob } from '../../src/notify/index.ts';
import type { Transcriber } from '../../src/transcribe/index.ts';
import { VoicemailFollowups } from '../../src/voicemail/index.ts';
import { createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';
import { boxOf, leaveMessage } from '../support/voicemail.ts';

function fakeTranscriber(seen: number[]): Transcriber {
  return {
    engine: 'fake',
    status: async () => ({ available: true }) as never,
    transcribe: async (input) => {
      seen.push(input.bytes.length);
      return { text: 'please call me back', rawText: 'please call me back', words: [], engine: 'fake/test', audioMs: 2000, processingMs: 1 };
    },
    close: async () => {},
  };
}

describe.each(DIALECTS)('voicemail follow-ups on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    t = await createTestApi(dialect, 'pro');
  });
  afterAll(() => t.close());

  it('transcribes on Pro with the switch on, then queues one PHI-free job per recipient', async () => {
    const jobs: NoticeJob[] = [];
    const seen: number[] = [];
    const f = new VoicemailFollowups({ db: t.handle.db, store: t.voicemail.store, transcriber: fakeTranscriber(seen), enqueue: async (j) => void jobs.push(j) });
    const box = await boxOf(t.handle.db, t.practice.id, '101');
    const m = await leaveMessage(t.voicemail.store, box);
    await f.run(m);
    expect(seen).toEqual([16000]);
    const after = await t.voicemail.store.get(t.practice.id, m.id);
    expect(after.followups).toBe('done');
    expect(await t.voicemail.store.transcript(after)).toEqual({ text: 'please call me back', engine: 'fake/test' });
    expect(jobs).toEqual([{ kind: 'voicemail', messageId: m.id, recipientId: t.staff.id }]);
  });

  it('neither transcribes with the switch off nor mails a user whose notices are off', async () => {
    await updateVoicemailSettings(t.handle.db, t.practice.id, t.staff.id, { transcription: false, emailNotifications: false }, CLI_ACTOR);
    const jobs: NoticeJob[] = [];
    const seen: number[] = [];
    const f = new VoicemailFollowups({ db: t.handle.db, store: t.voicemail.store, transcriber: fakeTranscriber(seen), enqueue: async (j) => void jobs.push(j) });
    const m = await leaveMessage(t.voicemail.store, await boxOf(t.handle.db, t.practice.id, '101'));
    await f.run(m);
    expect(seen).toEqual([]);
    expect(jobs).toEqual([]);
    expect((await t.voicemail.store.get(t.practice.id, m.id)).transcriptObjectId).toBeNull();
    await updateVoicemailSettings(t.handle.db, t.practice.id, t.staff.id, { transcription: true, emailNotifications: true }, CLI_ACTOR);
  });

  it('does not transcribe when the practice policy turns transcription off', async () => {
    await updatePolicy(t.handle.db, t.practice.id, { voicemailTranscription: false }, CLI_ACTOR);
    const seen: number[] = [];
    const f = new VoicemailFollowups({ db: t.handle.db, store: t.voicemail.store, transcriber: fakeTranscriber(seen) });
    const m = await leaveMessage(t.voicemail.store, await boxOf(t.handle.db, t.practice.id, '101'));
    await f.run(m);
    expect(seen).toEqual([]);
    expect((await t.voicemail.store.pendingFollowups()).map((x) => x.id)).not.toContain(m.id);
  });
});
