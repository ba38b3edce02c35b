import { describe, expect, it } from 'vitest';
import { checkVoicemailSettings, decideForUser, decidePractice } from './decide.ts';
import { SAFE_DEFAULT_POLICY, SAFE_DEFAULT_VOICEMAIL_SETTINGS, type PracticePolicy } from './practice-policy.ts';
import { compliancePosture } from './posture.ts';
import { tierIncludes } from './tiers.ts';

const policy = (over: Partial<PracticePolicy> = {}): PracticePolicy => ({ ...SAFE_DEFAULT_POLICY, ...over });

describe('plan tiers (DESIGN.md feature matrix)', () => {
  it.each([
    ['voicemail', true, true, true],
    ['voicemail_email_audio', true, true, true],
    ['virtual_fax', true, true, true],
    ['voicemail_transcription', false, true, true],
    ['call_recording', false, true, true],
    ['video_meetings', false, true, true],
    ['meeting_recording', false, false, true],
    ['call_queues', false, false, true],
  ] as const)('%s: essentials=%s pro=%s pro-plus=%s', (feature, e, p, pp) => {
    expect([tierIncludes('essentials', feature), tierIncludes('pro', feature), tierIncludes('pro-plus', feature)]).toEqual([e, p, pp]);
  });
});

describe('HIPAA-safe defaults', () => {
  it('texting is off for every tier', () => {
    for (const tier of ['essentials', 'pro', 'pro-plus'] as const) {
      expect(decidePractice(tier, SAFE_DEFAULT_POLICY).texting).toEqual({ enabled: false, reason: 'policy' });
    }
  });

  it('call and meeting recording are off until turned on', () => {
    const d = decidePractice('pro-plus', SAFE_DEFAULT_POLICY);
    expect(d.call_recording.enabled).toBe(false);
    expect(d.meeting_recording.enabled).toBe(false);
  });

  it('email notices are on, without audio or transcript', () => {
    const d = decideForUser('pro', SAFE_DEFAULT_POLICY, SAFE_DEFAULT_VOICEMAIL_SETTINGS);
    expect(d.voicemail_email_notice.enabled).toBe(true);
    expect(d.voicemail_email_audio).toEqual({ enabled: false, reason: 'policy' });
    expect(d.voicemail_email_transcript).toEqual({ enabled: false, reason: 'policy' });
  });

  it('transcription is on where the tier allows it', () => {
    expect(decideForUser('pro', SAFE_DEFAULT_POLICY, SAFE_DEFAULT_VOICEMAIL_SETTINGS).voicemail_transcription.enabled).toBe(true);
    expect(decideForUser('essentials', SAFE_DEFAULT_POLICY, SAFE_DEFAULT_VOICEMAIL_SETTINGS).voicemail_transcription).toEqual({
      enabled: false,
      reason: 'tier',
    });
  });
});

describe('gates apply in order: tier, practice, dependency, user', () => {
  it('a tier allows a feature but policy may still turn it off', () => {
    expect(decidePractice('pro', policy({ voicemailTranscription: false })).voicemail_transcription).toEqual({ enabled: false, reason: 'policy' });
  });

  it('audio attachment needs the practice to allow attachments and the user to opt in', () => {
    const allowed = policy({ emailAttachmentsAllowed: true });
    expect(decideForUser('essentials', allowed, SAFE_DEFAULT_VOICEMAIL_SETTINGS).voicemail_email_audio).toEqual({ enabled: false, reason: 'user' });
    expect(decideForUser('essentials', allowed, { ...SAFE_DEFAULT_VOICEMAIL_SETTINGS, attachAudio: true }).voicemail_email_audio.enabled).toBe(true);
  });

  it('attachments stop when notices are switched off practice-wide', () => {
    const p = policy({ emailAttachmentsAllowed: true, voicemailEmailNotices: false });
    expect(decidePractice('pro', p).voicemail_email_audio).toEqual({ enabled: false, reason: 'requires', requires: 'voicemail_email_notice' });
  });

  it('a transcript in email needs transcription itself', () => {
    const p = policy({ emailTranscriptsAllowed: true, voicemailTranscription: false });
    expect(decidePractice('pro', p).voicemail_email_transcript).toEqual({ enabled: false, reason: 'requires', requires: 'voicemail_transcription' });
  });
});

describe('checkVoicemailSettings', () => {
  it('refuses switching on what the tier or practice forbids, never switching off', () => {
    expect(checkVoicemailSettings('essentials', SAFE_DEFAULT_POLICY, { transcription: true, attachAudio: true })).toEqual([
      { field: 'attachAudio', feature: 'voicemail_email_audio', reason: 'policy' },
      { field: 'transcription', feature: 'voicemail_transcription', reason: 'tier' },
    ]);
    expect(checkVoicemailSettings('essentials', SAFE_DEFAULT_POLICY, { transcription: false, attachAudio: false })).toEqual([]);
  });
});

describe('compliancePosture', () => {
  it('flags a user who gets audio by email as a risk, with advice', () => {
    const p = policy({ emailAttachmentsAllowed: true });
    const items = compliancePosture('pro', p, [
      { userId: 'u1', settings: { ...SAFE_DEFAULT_VOICEMAIL_SETTINGS, attachAudio: true } },
      { userId: 'u2', settings: SAFE_DEFAULT_VOICEMAIL_SETTINGS },
    ]);
    const audio = items.find((i) => i.feature === 'voicemail_email_audio')!;
    expect(audio.level).toBe('risk');
    expect(audio.users.map((u) => [u.userId, u.enabled])).toEqual([
      ['u1', true],
      ['u2', false],
    ]);
    expect(audio.action).toMatch(/business associate agreement/);
    expect(audio.safeDefault).toBe(false);
  });

  it('is all clear on safe defaults', () => {
    const items = compliancePosture('pro-plus', SAFE_DEFAULT_POLICY, [{ userId: 'u1', settings: SAFE_DEFAULT_VOICEMAIL_SETTINGS }]);
    expect(items.filter((i) => i.level === 'risk')).toEqual([]);
    expect(items.map((i) => i.feature)).toEqual(
      expect.arrayContaining(['voicemail', 'voicemail_email_audio', 'voicemail_email_transcript', 'voicemail_transcription', 'virtual_fax', 'texting', 'call_recording', 'meeting_recording']),
    );
  });
});
