import type { Static } from '@sinclair/typebox';
import type { Practice } from '../../../directory/index.ts';
import type { PracticeView } from './schema.ts';

export function presentPractice(p: Practice): Static<typeof PracticeView> {
  return { id: p.id, name: p.name, tier: p.tier, sipDomain: p.sipDomain, createdAt: p.createdAt };
}
