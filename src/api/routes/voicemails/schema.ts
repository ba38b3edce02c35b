import { Type } from '@sinclair/typebox';
import { EXTENSION_PATTERN, EXTENSION_RULE } from '../../../directory/index.ts';

export const TranscriptView = Type.Object(
  {
    text: Type.String({ description: 'Machine draft from the on-box recogniser: not reviewed, may contain errors' }),
    engine: Type.String(),
  },
  { description: 'Machine transcript (draft), or null when there is none' },
);

export const VoicemailView = Type.Object({
  id: Type.String(),
  boxId: Type.String(),
  extension: Type.String(),
  receivedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer({ minimum: 0 }),
  heard: Type.Boolean(),
  partial: Type.Boolean({ description: 'Cut short by a server restart mid-recording; what was durable is kept' }),
  transcript: Type.Union([TranscriptView, Type.Null()]),
  breakGlassUntil: Type.Union([Type.String({ format: 'date-time' }), Type.Null()], {
    description: 'When you may read this message only by break-glass: the time that access ends. Such access is read-only (marking heard and deleting answer 403 BREAK_GLASS_READ_ONLY). Null when the box is yours or granted to you.',
  }),
});

export const VoicemailListView = Type.Object({ items: Type.Array(VoicemailView) });

export const VoicemailListQuery = Type.Object(
  { extension: Type.Optional(Type.String({ pattern: EXTENSION_PATTERN, description: `Only this extension's box (when you may read it): ${EXTENSION_RULE}` })) },
  { additionalProperties: false },
);

export const VoicemailPatch = Type.Object({ heard: Type.Boolean() }, { additionalProperties: false });

export const GreetingParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }),
  which: Type.Union([Type.Literal('unavailable'), Type.Literal('busy')]),
});

export const GreetingSaved = Type.Object({ boxId: Type.String(), which: Type.String(), durationMs: Type.Integer() });

const WavBytes = { type: 'string', format: 'binary', contentMediaType: 'audio/wav' } as const;

/** The recording: documented as audio/wav, the type it is sent with. */
export const AudioWavResponse = Type.Unsafe<string>({
  description: 'RIFF/WAVE, 8 kHz mono PCM16',
  content: { 'audio/wav': { schema: { ...WavBytes, description: 'RIFF/WAVE, 8 kHz mono PCM16' } } },
});

/**
 * A greeting upload, documented as the audio/wav body it is. No `type`: the
 * body arrives as a Buffer, which the validator would refuse as a string;
 * the handler checks the WAV itself (OpenAPI 3.1 describes raw bytes by
 * contentMediaType alone).
 */
export const GreetingBody = Type.Unsafe<Buffer>({
  content: { 'audio/wav': { schema: { contentMediaType: 'audio/wav', description: 'WAV, 8 kHz mono, PCM16 or G.711 (mu-law or A-law), 0.5 s to 2 min' } } },
});
