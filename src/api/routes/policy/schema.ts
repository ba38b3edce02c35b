import { Type } from '@sinclair/typebox';

const Days = Type.Integer({ minimum: 1, maximum: 36500 });

const retentionFields = {
  voicemailDays: Days,
  faxDays: Days,
  textDays: Days,
  transcriptDays: Days,
  callRecordingDays: Days,
  meetingRecordingDays: Days,
  auditDays: Days,
};

const switches = {
  voicemailEmailNotices: Type.Boolean({ description: 'Email notices of new voicemail (no PHI in the notice itself)' }),
  emailAttachmentsAllowed: Type.Boolean({ description: 'Users may choose to get voicemail audio attached to email (PHI leaves the server)' }),
  emailTranscriptsAllowed: Type.Boolean({ description: 'Users may choose to get transcripts in email (PHI leaves the server)' }),
  voicemailTranscription: Type.Boolean({ description: 'On-box voicemail transcription (Pro and Pro Plus)' }),
  virtualFax: Type.Boolean(),
  texting: Type.Boolean({ description: 'Business texting (SMS); off by default' }),
  callRecording: Type.Boolean({ description: 'Call recording (Pro and Pro Plus); off by default' }),
  videoMeetings: Type.Boolean(),
  meetingRecording: Type.Boolean({ description: 'Video meeting recording (Pro Plus); off by default' }),
  callQueues: Type.Boolean(),
  requireSrtp: Type.Boolean({ description: 'Refuse calls whose media is not encrypted (SRTP)' }),
};

export const PolicyView = Type.Object({ ...switches, retention: Type.Object(retentionFields) });

export const PolicyPatch = Type.Object(
  {
    ...Object.fromEntries(Object.entries(switches).map(([k, v]) => [k, Type.Optional(v)])),
    retention: Type.Optional(Type.Object(Object.fromEntries(Object.entries(retentionFields).map(([k, v]) => [k, Type.Optional(v)])), { additionalProperties: false })),
  },
  { additionalProperties: false, minProperties: 1 },
);
