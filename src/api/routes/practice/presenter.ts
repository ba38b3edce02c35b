import type { Static } from '@sinclair/typebox';
import type { Practice } from '../../../directory/index.ts';
import { tierIncludes, type Feature, type Tier } from '../../../policy/index.ts';
import type { PracticeView } from './schema.ts';

/** The practice policy's switches (GET /policy) and the plan feature each one turns on; requireSrtp is in every plan. */
const SWITCH_FEATURES = {
  voicemailEmailNotices: 'voicemail_email_notice',
  emailAttachmentsAllowed: 'voicemail_email_audio',
  emailTranscriptsAllowed: 'voicemail_email_transcript',
  voicemailTranscription: 'voicemail_transcription',
  virtualFax: 'virtual_fax',
  texting: 'texting',
  callRecording: 'call_recording',
  videoMeetings: 'video_meetings',
  meetingRecording: 'meeting_recording',
  callQueues: 'call_queues',
  requireSrtp: null,
} as const satisfies Record<string, Feature | null>;

export type PolicySwitch = keyof typeof SWITCH_FEATURES;

/** Which policy switches the plan lets the practice turn on (a tier allows a feature; the policy may still turn it off). */
export function planIncludes(tier: Tier): Record<PolicySwitch, boolean> {
  const out = {} as Record<PolicySwitch, boolean>;
  for (const [key, feature] of Object.entries(SWITCH_FEATURES) as Array<[PolicySwitch, Feature | null]>) out[key] = feature === null || tierIncludes(tier, feature);
  return out;
}

export function presentPractice(p: Practice): Static<typeof PracticeView> {
  return { id: p.id, name: p.name, tier: p.tier, sipDomain: p.sipDomain, createdAt: p.createdAt, planIncludes: planIncludes(p.tier) };
}
