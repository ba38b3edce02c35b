export { CALL_OUTCOMES, talkDurationMs, type CallOutcome, type CallRecord, type CallRecordSink } from './call-record.ts';
export { insertCallRecord, KyselyCallRecordSink, listCallRecords, type KyselyCallRecordSinkOptions, type CallRecordPage, type CallRecordQuery } from './call-record-store.ts';
