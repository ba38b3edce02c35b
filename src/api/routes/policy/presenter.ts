import type { Static } from '@sinclair/typebox';
import type { PracticePolicy } from '../../../policy/index.ts';
import type { PolicyView } from './schema.ts';

export function presentPolicy(p: PracticePolicy): Static<typeof PolicyView> {
  return {
    voicemailEmailNotices: p.voicemailEmailNotices,
    emailAttachmentsAllowed: p.emailAttachmentsAllowed,
    emailTranscriptsAllowed: p.emailTranscriptsAllowed,
    voicemailTranscription: p.voicemailTranscription,
    virtualFax: p.virtualFax,
    texting: p.texting,
    callRecording: p.callRecording,
    videoMeetings: p.videoMeetings,
    meetingRecording: p.meetingRecording,
    callQueues: p.callQueues,
    requireSrtp: p.requireSrtp,
    retention: { ...p.retention },
  };
}
