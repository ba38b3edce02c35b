import type { Kysely, Transaction } from 'kysely';
import { newId, type Database } from '../db/index.ts';
import type { Actor } from './model.ts';

export interface FeatureChange {
  id: string;
  actor: Actor;
  scope: 'practice' | 'user';
  subjectId: string;
  feature: string;
  oldValue: unknown;
  newValue: unknown;
  at: string;
}

/** Who switched what, and when. Values are booleans and numbers only, never PHI. */
export async function recordFeatureChange(
  trx: Transaction<Database>,
  practiceId: string,
  actor: Actor,
  scope: 'practice' | 'user',
  subjectId: string,
  feature: string,
  oldValue: unknown,
  newValue: unknown,
  at: string,
): Promise<void> {
  await trx
    .insertInto('feature_changes')
    .values({
      id: newId(),
      practice_id: practiceId,
      actor_type: actor.type,
      actor_id: actor.id,
      scope,
      subject_id: subjectId,
      feature,
      old_value: oldValue === undefined ? null : JSON.stringify(oldValue),
      new_value: JSON.stringify(newValue),
      at,
    })
    .execute();
}

export async function listFeatureChanges(db: Kysely<Database>, practiceId: string, limit = 200): Promise<FeatureChange[]> {
  const rows = await db
    .selectFrom('feature_changes')
    .selectAll()
    .where('practice_id', '=', practiceId)
    .orderBy('seq', 'desc')
    .limit(limit)
    .execute();
  return rows.map((r) => ({
    id: r.id,
    actor: { type: r.actor_type as Actor['type'], id: r.actor_id },
    scope: r.scope as 'practice' | 'user',
    subjectId: r.subject_id,
    feature: r.feature,
    oldValue: r.old_value === null ? null : JSON.parse(r.old_value),
    newValue: JSON.parse(r.new_value),
    at: r.at,
  }));
}
