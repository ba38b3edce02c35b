import type { Static } from '@sinclair/typebox';
import { talkDurationMs, type CallRecord } from '../../../pbx/cdr/index.ts';
import type { CallRecordView } from './schema.ts';

/** The fields that leave: no vault reference, no number. */
export function presentCallRecord(r: CallRecord): Static<typeof CallRecordView> {
  return {
    id: r.id,
    callerExtension: r.callerExtension,
    externalCaller: r.callerNumberRef !== null,
    calleeExtension: r.calleeExtension,
    startedAt: new Date(r.startedAt).toISOString(),
    answeredAt: r.answeredAt === null ? null : new Date(r.answeredAt).toISOString(),
    endedAt: new Date(r.endedAt).toISOString(),
    durationMs: talkDurationMs(r),
    outcome: r.outcome,
  };
}
