import type { Static } from '@sinclair/typebox';
import type { DeletionReceipt } from '../../../vault/index.ts';
import type { ReceiptsView } from './schema.ts';

/** A receipt's fields that go out: ids, kind, time, reason, method (no PHI is in one). */
export function presentReceipt(r: DeletionReceipt): Static<typeof ReceiptsView>['items'][number] {
  return { id: r.id, objectId: r.objectId, kind: r.kind, deletedAt: r.deletedAt.toISOString(), reason: r.reason, method: r.method };
}
