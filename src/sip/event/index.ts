/**
 * SIP-specific event notification (RFC 6665), notifier side: the Event and
 * Subscription-State header fields, one subscription's state machine, and
 * a notifier that serves one event package.
 */

export { formatEventHeader, formatSubscriptionState, getEventHeader, parseEventHeader, type EventHeader, type SubscriptionStateValue, type TerminationReason } from './event-header.ts';
export { NotifierSubscription, type NotifyContent, type SubscriptionDeps, type SubscriptionEnd, type SubscriptionState } from './subscription.ts';
export { EventNotifier, type NotifierOptions, type SubscribeKind } from './notifier.ts';
export { restoreDialog, storeDialog, type StoredDialog } from './stored-dialog.ts';
