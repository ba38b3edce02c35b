// (tier, practice policy, user settings) -> what is on, and why.
// Pure: no I/O, no clock. Every caller that acts on a PHI feature asks here.
import { FEATURES, tierIncludes, type Feature, type Tier } from './tiers.ts';
import { SAFE_DEFAULT_POLICY, type PracticePolicy, type VoicemailSettings } from './practice-policy.ts';

/** Why a feature is off: the first gate that closed it. */
export type OffReason = 'tier' | 'policy' | 'requires' | 'user';

export type Decision = { enabled: true } | { enabled: false; reason: OffReason; requires?: Feature };

export type Decisions = Record<Feature, Decision>;

/** The practice policy's switch for each feature (voicemail itself has none: always on). */
const POLICY_SWITCH: Record<Exclude<Feature, 'voicemail'>, keyof PracticePolicy> = {
  voicemail_email_notice: 'voicemailEmailNotices',
  voicemail_email_audio: 'emailAttachmentsAllowed',
  voicemail_email_transcript: 'emailTranscriptsAllowed',
  voicemail_transcription: 'voicemailTranscription',
  virtual_fax: 'virtualFax',
  texting: 'texting',
  call_recording: 'callRecording',
  video_meetings: 'videoMeetings',
  meeting_recording: 'meetingRecording',
  call_queues: 'callQueues',
};

/** The policy switches that are on while the tier leaves their feature out: a plan change turns them off. */
export function switchesOutsideTier(tier: Tier, policy: PracticePolicy): Array<keyof PracticePolicy> {
  return (Object.entries(POLICY_SWITCH) as Array<[Feature, keyof PracticePolicy]>).filter(([feature, key]) => !tierIncludes(tier, feature) && policy[key] === true).map(([, key]) => key);
}

/**
 * The switches a policy patch turns on while the tier leaves their feature
 * out, each with its feature. Turning a switch off is always allowed.
 */
export function switchesTurnedOnOutsideTier(tier: Tier, patch: Partial<Omit<PracticePolicy, 'retention'>>): Array<{ key: keyof PracticePolicy; feature: Feature }> {
  return (Object.entries(POLICY_SWITCH) as Array<[Feature, Exclude<keyof PracticePolicy, 'retention'>]>).filter(([feature, key]) => patch[key] === true && !tierIncludes(tier, feature)).map(([feature, key]) => ({ key, feature }));
}

/**
 * The HIPAA-safe defaults a practice on `tier` starts with: SAFE_DEFAULT_POLICY
 * with every switch the plan leaves out turned off, so that a switch is never
 * on outside the plan and an upgrade turns nothing on by itself.
 */
export function safeDefaultPolicy(tier: Tier): PracticePolicy {
  const policy: PracticePolicy = { ...SAFE_DEFAULT_POLICY, retention: { ...SAFE_DEFAULT_POLICY.retention } };
  for (const key of switchesOutsideTier(tier, policy)) Object.assign(policy, { [key]: false });
  return policy;
}

function practiceSwitch(policy: PracticePolicy, feature: Feature): boolean {
  return feature === 'voicemail' || policy[POLICY_SWITCH[feature]] === true;
}

/** Features that only make sense when another one is on. */
const REQUIRES: Partial<Record<Feature, Feature[]>> = {
  voicemail_email_audio: ['voicemail_email_notice'],
  voicemail_email_transcript: ['voicemail_email_notice', 'voicemail_transcription'],
  meeting_recording: ['video_meetings'],
};

function userSwitch(settings: VoicemailSettings, feature: Feature): boolean {
  switch (feature) {
    case 'voicemail_email_notice':
      return settings.emailNotifications;
    case 'voicemail_email_audio':
      return settings.attachAudio;
    case 'voicemail_email_transcript':
      return settings.includeTranscript;
    case 'voicemail_transcription':
      return settings.transcription;
    default:
      return true;
  }
}

/** What the practice allows, before any user's own choice. */
export function decidePractice(tier: Tier, policy: PracticePolicy): Decisions {
  return decideWith(tier, policy, undefined);
}

/** What is on for one user: tier, then practice policy, then the user's switch. */
export function decideForUser(tier: Tier, policy: PracticePolicy, settings: VoicemailSettings): Decisions {
  return decideWith(tier, policy, settings);
}

function decideWith(tier: Tier, policy: PracticePolicy, settings: VoicemailSettings | undefined): Decisions {
  const out = {} as Decisions;
  const gate = (feature: Feature): Decision => {
    if (!tierIncludes(tier, feature)) return { enabled: false, reason: 'tier' };
    if (!practiceSwitch(policy, feature)) return { enabled: false, reason: 'policy' };
    for (const dep of REQUIRES[feature] ?? []) {
      const d = out[dep] ?? gate(dep);
      if (!d.enabled) return { enabled: false, reason: 'requires', requires: dep };
    }
    if (settings && !userSwitch(settings, feature)) return { enabled: false, reason: 'user' };
    return { enabled: true };
  };
  for (const feature of FEATURES) out[feature] = gate(feature);
  return out;
}

export type SettingsViolation = { field: keyof VoicemailSettings; feature: Feature; reason: 'tier' | 'policy' };

/**
 * Which of a user's requested switches the tier or the practice forbids.
 * Turning a switch off is always allowed; only turning one on is checked.
 */
export function checkVoicemailSettings(tier: Tier, policy: PracticePolicy, requested: Partial<VoicemailSettings>): SettingsViolation[] {
  const fields: Array<[keyof VoicemailSettings, Feature]> = [
    ['emailNotifications', 'voicemail_email_notice'],
    ['attachAudio', 'voicemail_email_audio'],
    ['includeTranscript', 'voicemail_email_transcript'],
    ['transcription', 'voicemail_transcription'],
  ];
  const out: SettingsViolation[] = [];
  for (const [field, feature] of fields) {
    if (requested[field] !== true) continue;
    if (!tierIncludes(tier, feature)) out.push({ field, feature, reason: 'tier' });
    else if (!practiceSwitch(policy, feature)) out.push({ field, feature, reason: 'policy' });
  }
  return out;
}
