import { Type } from '@sinclair/typebox';

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
});

export const VoicemailListView = Type.Object({ items: Type.Array(VoicemailView) });

export const VoicemailPatch = Type.Object({ heard: Type.Boolean() }, { additionalProperties: false });

export const GreetingParams = Type.Object({
  id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }),
  which: Type.Union([Type.Literal('unavailable'), Type.Literal('busy')]),
});

export const GreetingSaved = Type.Object({ boxId: Type.String(), which: Type.String(), durationMs: Type.Integer() });
