import { Type } from '@sinclair/typebox';
import { DISPLAY_TEXT_MAX } from '../../../directory/index.ts';
import { DisplayText } from '../common.ts';

export const BreakGlassBody = Type.Object(
  {
    targetType: Type.Union([Type.Literal('voicemail_box'), Type.Literal('user')]),
    targetId: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }),
    reason: DisplayText(DISPLAY_TEXT_MAX.breakGlassReason, { minLength: 10, description: 'Why, in a sentence; shown to admins beside the audit event' }),
    minutes: Type.Optional(Type.Integer({ minimum: 1, maximum: 240, description: 'Default 60' })),
  },
  { additionalProperties: false },
);

export const BreakGlassView = Type.Object({
  id: Type.String(),
  targetType: Type.String(),
  targetId: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  expiresAt: Type.String({ format: 'date-time' }),
});
