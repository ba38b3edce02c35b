import { Type } from '@sinclair/typebox';
import { DecisionView } from '../voicemail-settings/schema.ts';

export const PostureItemView = Type.Object({
  feature: Type.String(),
  title: Type.String(),
  stores: Type.Boolean({ description: 'Stores PHI on this server (sealed)' }),
  sendsOffBox: Type.Boolean({ description: 'Can send PHI off this server' }),
  practice: DecisionView,
  users: Type.Array(Type.Intersect([Type.Object({ userId: Type.String() }), DecisionView])),
  level: Type.Union([Type.Literal('ok'), Type.Literal('attention'), Type.Literal('risk')]),
  risk: Type.String(),
  action: Type.String(),
  safeDefault: Type.Boolean(),
});

export const PostureView = Type.Object({
  practiceId: Type.String(),
  tier: Type.String(),
  summary: Type.Object({ risk: Type.Integer(), attention: Type.Integer(), ok: Type.Integer() }),
  safeguards: Type.Array(Type.Object({ id: Type.String(), title: Type.String(), state: Type.String(), detail: Type.String() })),
  items: Type.Array(PostureItemView),
});

export const FeatureChangeList = Type.Object({
  items: Type.Array(
    Type.Object({
      id: Type.String(),
      actor: Type.Object({ type: Type.String(), id: Type.Union([Type.String(), Type.Null()]) }),
      scope: Type.String(),
      subjectId: Type.String(),
      feature: Type.String(),
      oldValue: Type.Unknown(),
      newValue: Type.Unknown(),
      at: Type.String({ format: 'date-time' }),
    }),
  ),
});
