import { Type } from '@sinclair/typebox';

export const DecisionView = Type.Object({
  enabled: Type.Boolean(),
  reason: Type.Optional(Type.Union([Type.Literal('tier'), Type.Literal('policy'), Type.Literal('requires'), Type.Literal('user')])),
  requires: Type.Optional(Type.String()),
});

export const VoicemailSettingsView = Type.Object({
  userId: Type.String(),
  emailNotifications: Type.Boolean(),
  attachAudio: Type.Boolean(),
  includeTranscript: Type.Boolean(),
  transcription: Type.Boolean(),
  effective: Type.Object({
    emailNotifications: DecisionView,
    attachAudio: DecisionView,
    includeTranscript: DecisionView,
    transcription: DecisionView,
  }),
  warnings: Type.Array(Type.Object({ code: Type.String(), message: Type.String() })),
  updatedAt: Type.String({ format: 'date-time' }),
});

export const VoicemailSettingsPatch = Type.Object(
  {
    emailNotifications: Type.Optional(Type.Boolean()),
    attachAudio: Type.Optional(Type.Boolean()),
    includeTranscript: Type.Optional(Type.Boolean()),
    transcription: Type.Optional(Type.Boolean()),
  },
  { additionalProperties: false, minProperties: 1 },
);
