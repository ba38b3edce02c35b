// The practice-wide policy: switches for every PHI-bearing feature and the
// retention period of each artifact type, with HIPAA-safe defaults.

export interface PracticePolicy {
  voicemailEmailNotices: boolean;
  emailAttachmentsAllowed: boolean;
  emailTranscriptsAllowed: boolean;
  voicemailTranscription: boolean;
  virtualFax: boolean;
  texting: boolean;
  callRecording: boolean;
  videoMeetings: boolean;
  meetingRecording: boolean;
  callQueues: boolean;
  requireSrtp: boolean;
  retention: RetentionPolicy;
}

export interface RetentionPolicy {
  voicemailDays: number;
  faxDays: number;
  textDays: number;
  transcriptDays: number;
  callRecordingDays: number;
  meetingRecordingDays: number;
  auditDays: number;
}

/** HIPAA requires policy and audit documentation be kept six years (45 CFR 164.316(b)(2)). */
export const AUDIT_RETENTION_FLOOR_DAYS = 6 * 366;

export const SAFE_DEFAULT_POLICY: Readonly<PracticePolicy> = Object.freeze({
  voicemailEmailNotices: true,
  emailAttachmentsAllowed: false,
  emailTranscriptsAllowed: false,
  voicemailTranscription: true,
  virtualFax: true,
  texting: false,
  callRecording: false,
  videoMeetings: true,
  meetingRecording: false,
  callQueues: true,
  requireSrtp: false,
  retention: Object.freeze({
    voicemailDays: 90,
    faxDays: 365,
    textDays: 365,
    transcriptDays: 90,
    callRecordingDays: 90,
    meetingRecordingDays: 90,
    auditDays: AUDIT_RETENTION_FLOOR_DAYS,
  }),
});

export interface VoicemailSettings {
  emailNotifications: boolean;
  attachAudio: boolean;
  includeTranscript: boolean;
  transcription: boolean;
}

export const SAFE_DEFAULT_VOICEMAIL_SETTINGS: Readonly<VoicemailSettings> = Object.freeze({
  emailNotifications: true,
  attachAudio: false,
  includeTranscript: false,
  transcription: true,
});

/**
 * The practice's retention periods by stored artifact kind (the vault's
 * names): what a new object's deadline, and every stored one's after a
 * change, is computed from. A voicemail box's greeting is no message and has
 * none (kept until replaced).
 */
export function retentionDaysByArtifact(r: RetentionPolicy): Record<'voicemail' | 'fax' | 'text' | 'transcript' | 'call_recording' | 'meeting_recording' | 'audit_log', number> {
  return {
    voicemail: r.voicemailDays,
    fax: r.faxDays,
    text: r.textDays,
    transcript: r.transcriptDays,
    call_recording: r.callRecordingDays,
    meeting_recording: r.meetingRecordingDays,
    audit_log: r.auditDays,
  };
}
