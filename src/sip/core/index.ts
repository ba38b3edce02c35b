/**
 * Sotto's SIP core: the stack that wires transports to transactions and a
 * transaction user.
 */

export { SipStack, newBranch, type SipStackOptions } from './sip-stack.ts';
export type { TransactionUser } from './transaction-user.ts';
export { answerOptions, optionsResponse, statelessOptionsAnswer, DEFAULT_ALLOW, type OptionsCapabilities } from './options-responder.ts';
