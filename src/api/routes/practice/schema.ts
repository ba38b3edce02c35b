import { Type } from '@sinclair/typebox';
import { TIERS } from '../../../policy/index.ts';

export const TierSchema = Type.Union(TIERS.map((t) => Type.Literal(t)));

export const PracticeView = Type.Object({
  id: Type.String(),
  name: Type.String(),
  tier: TierSchema,
  sipDomain: Type.String(),
  createdAt: Type.String({ format: 'date-time' }),
  planIncludes: Type.Record(Type.String(), Type.Boolean(), {
    description: 'For each practice policy switch (GET /policy), whether the plan includes its feature; a switch the plan leaves out has no effect',
  }),
});

export const PracticePatch = Type.Object(
  { name: Type.Optional(Type.String({ minLength: 1, maxLength: 200 })), tier: Type.Optional(TierSchema) },
  { additionalProperties: false, minProperties: 1 },
);
