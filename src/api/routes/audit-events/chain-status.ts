// "Does the practice's audit log still hold?" asked from the portal: the same
// walk `sotto audit verify` does (every event re-hashed and linked to the one
// before, its tag checked under the install's audit key, the tail checked
// against the recorded head), for one practice.
// Asking is recorded, after the walk, so the answer describes the chain as it
// stood when the admin asked.
import type { Kysely } from 'kysely';
import { chainKeyFor, verifyStoredChain, type ChainVerification } from '../../../audit/index.ts';
import { auditKeysOf, KyselyAuditStore, type Database } from '../../../db/index.ts';
import { recordAudit, type Actor } from '../../../directory/index.ts';

export async function verifyPracticeChain(db: Kysely<Database>, practiceId: string, actor: Actor): Promise<ChainVerification> {
  const result = await verifyStoredChain(new KyselyAuditStore(db), chainKeyFor(practiceId), auditKeysOf(db));
  await db.transaction().execute((trx) =>
    recordAudit(trx, practiceId, actor, {
      action: 'audit.verify',
      object: { type: 'audit_log', id: practiceId },
      outcome: 'success',
      details: result.ok ? { ok: true, count: result.count } : { ok: false, breakSeq: result.break.seq, reason: result.break.reason },
    }),
  );
  return result;
}
