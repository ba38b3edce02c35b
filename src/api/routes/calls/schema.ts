import { Type } from '@sinclair/typebox';
import { PageLimit } from '../common.ts';

export const CallRecordView = Type.Object({
  id: Type.String(),
  callerExtension: Type.Union([Type.String(), Type.Null()]),
  /** An outside caller: true when a sealed number is on file (the number itself is not listed). */
  externalCaller: Type.Boolean(),
  calleeExtension: Type.String(),
  startedAt: Type.String({ format: 'date-time' }),
  answeredAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  endedAt: Type.String({ format: 'date-time' }),
  durationMs: Type.Integer(),
  outcome: Type.Union([Type.Literal('answered'), Type.Literal('busy'), Type.Literal('no-answer'), Type.Literal('cancelled'), Type.Literal('failed'), Type.Literal('voicemail')]),
});

export const CallRecordPageView = Type.Object({
  items: Type.Array(CallRecordView),
  nextBefore: Type.Union([Type.String(), Type.Null()]),
});

export const CallRecordQuery = Type.Object(
  {
    before: Type.Optional(Type.String({ maxLength: 96, pattern: '^[0-9]{1,15}\\.[A-Za-z0-9_-]{1,64}$', description: 'Page cursor: nextBefore of the previous page' })),
    limit: Type.Optional(PageLimit),
  },
  { additionalProperties: false },
);
