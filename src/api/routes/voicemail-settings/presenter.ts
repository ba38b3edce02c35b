import type { Static } from '@sinclair/typebox';
import type { VoicemailSettingsView as Settings } from '../../../directory/index.ts';
import type { Decision } from '../../../policy/index.ts';
import type { DecisionView, VoicemailSettingsView } from './schema.ts';

function decision(d: Decision): Static<typeof DecisionView> {
  return d.enabled ? { enabled: true } : { enabled: false, reason: d.reason, ...(d.requires ? { requires: d.requires } : {}) };
}

export function presentVoicemailSettings(v: Settings): Static<typeof VoicemailSettingsView> {
  const warnings: Array<{ code: string; message: string }> = [];
  if (v.effective.voicemail_email_audio.enabled) {
    warnings.push({ code: 'PHI_IN_EMAIL_AUDIO', message: 'Voicemail audio will be attached to email: the recording leaves the server and stays in mailboxes outside your control.' });
  }
  if (v.effective.voicemail_email_transcript.enabled) {
    warnings.push({ code: 'PHI_IN_EMAIL_TRANSCRIPT', message: 'Transcripts will be sent in email: what callers said leaves the server as plain text.' });
  }
  return {
    userId: v.userId,
    ...v.settings,
    effective: {
      emailNotifications: decision(v.effective.voicemail_email_notice),
      attachAudio: decision(v.effective.voicemail_email_audio),
      includeTranscript: decision(v.effective.voicemail_email_transcript),
      transcription: decision(v.effective.voicemail_transcription),
    },
    warnings,
    updatedAt: v.updatedAt,
  };
}
