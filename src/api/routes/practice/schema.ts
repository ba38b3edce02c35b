import { Type } from '@sinclair/typebox';
import { DISPLAY_TEXT_MAX } from '../../../directory/index.ts';
import { TIERS } from '../../../policy/index.ts';
import { DisplayText } from '../common.ts';

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
  { name: Type.Optional(DisplayText(DISPLAY_TEXT_MAX.practiceName)), tier: Type.Optional(TierSchema) },
  { additionalProperties: false, minProperties: 1 },
);
