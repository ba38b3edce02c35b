// The fields of a voicemail that leave the server: ids, times, flags and the
// machine transcript. Never the caller's number (Sotto does not keep it),
// never storage details (object ids, keys).
import type { Static } from '@sinclair/typebox';
import type { VoicemailMessage } from '../../../voicemail/index.ts';
import type { VoicemailView } from './schema.ts';

export function presentVoicemail(
  m: VoicemailMessage,
  extension: string,
  transcript: { text: string; engine: string } | null,
  breakGlassUntil: string | null,
): Static<typeof VoicemailView> {
  return {
    id: m.id,
    boxId: m.boxId,
    extension,
    receivedAt: m.receivedAt,
    durationMs: m.durationMs,
    heard: m.heard,
    partial: m.partial,
    transcript: transcript ? { text: transcript.text, engine: transcript.engine } : null,
    breakGlassUntil,
  };
}
