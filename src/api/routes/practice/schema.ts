import { Type } from '@sinclair/typebox';
import { TIERS } from '../../../policy/index.ts';

export const TierSchema = Type.Union(TIERS.map((t) => Type.Literal(t)));

export const PracticeView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tier: TierSchema,
  sipDomain: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
});

export const PracticePatch = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), tier: Type.Optional(TierSchema) },
  { additionalProperties: false, minProperties: 1 },
);
