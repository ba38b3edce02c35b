// Message-waiting indicator: RFC 3842 message-summary over RFC 6665 subscriptions.
export { MwiService, MWI_EVENT_PACKAGE, type MwiLogger, type MwiMailbox, type MwiServiceOptions } from './mwi-service.ts';
export { KyselyMwiBoxDirectory, type MwiBox, type MwiBoxDirectory } from './box-directory.ts';
export { formatMessageSummary, mailboxAccount, MESSAGE_SUMMARY_CONTENT_TYPE, type MessageSummary } from './message-summary.ts';
export { KyselyMwiSubscriptionStore, CSEQ_BLOCK, type MwiSubscriptionStore, type StoredMwiSubscription } from './subscription-store.ts';
