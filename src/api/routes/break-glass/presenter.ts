import type { Static } from '@sinclair/typebox';
import type { BreakGlassGrant } from '../../../directory/index.ts';
import type { BreakGlassView } from './schema.ts';

export function presentBreakGlass(g: BreakGlassGrant): Static<typeof BreakGlassView> {
  return { id: g.id, targetType: g.targetType, targetId: g.targetId, createdAt: g.createdAt, expiresAt: g.expiresAt };
}
