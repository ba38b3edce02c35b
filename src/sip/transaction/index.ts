/**
 * Sotto's SIP transaction layer (RFC 3261 17, RFC 6026).
 */

export { systemClock, FakeClock, type Clock, type TimerHandle } from './clock.ts';
export { TimerWheel } from './timer-wheel.ts';
export { DEFAULT_TIMERS, type TimerConfig } from './timers.ts';
export type { TransactionChannel } from './channel.ts';
export type { ClientTransactionUser, ServerTransactionUser } from './user.ts';
export { IllegalTransitionError } from './state-table.ts';
export { InviteClientTransaction, InviteClientState } from './invite-client-transaction.ts';
export { NonInviteClientTransaction, NonInviteClientState } from './non-invite-client-transaction.ts';
export { InviteServerTransaction, InviteServerState } from './invite-server-transaction.ts';
export { NonInviteServerTransaction, NonInviteServerState } from './non-invite-server-transaction.ts';
export { ackForNon2xx } from './ack-for-non-2xx.ts';
export { cancelFor } from './cancel-request.ts';
export { clientKeyOfRequest, clientKeyOfResponse, serverKeyOfRequest } from './transaction-key.ts';
export { TransactionLayer, type ClientTransaction, type ServerTransaction, type TransactionLayerOptions } from './transaction-layer.ts';
