/**
 * The few message-layer helpers the transaction layer needs, in one place.
 */

import { splitList } from '../message/headers/lexer.ts';

export {
  getCSeq,
  getFrom,
  getHeaderFields,
  getTo,
  getTopVia,
  getCallId,
  headerField,
  headerKey,
  keyOf,
  formatUri,
  BRANCH_MAGIC_COOKIE,
  type HeaderField,
  type SipMessage,
  type SipRequest,
  type SipResponse,
} from '../message/index.ts';

/** The first via-parm of a Via field value that may hold several. */
export function splitTopVia(value: string): string {
  return splitList(value)?.[0] ?? value;
}
