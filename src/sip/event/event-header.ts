/**
 * The header fields of SIP-specific event notification (RFC 6665 8.2):
 *
 *   Event              =  ( "Event" / "o" ) HCOLON event-type *( SEMI event-param )
 *   event-param        =  generic-param / ( "id" EQUAL token )
 *   Subscription-State =  "Subscription-State" HCOLON substate-value *( SEMI subexp-params )
 *   subexp-params      =  ("reason" EQUAL event-reason-value) / ("expires" EQUAL delta-seconds)
 *                         / ("retry-after" EQUAL delta-seconds) / generic-param
 *
 * Pure: peer bytes in, a value or undefined out; nothing throws.
 */

import { getHeaderFields, type HeaderField } from '../message/index.ts';
import { isToken, paramValue, parseParams } from '../message/headers/lexer.ts';

export interface EventHeader {
  /** The event package, lower-cased (RFC 6665 8.2.1: compared as tokens). */
  readonly package: string;
  /** RFC 6665 8.2.1: the "id" parameter, echoed in every NOTIFY of the subscription. */
  readonly id?: string;
}

/** The request's single Event header, or undefined when absent, repeated or malformed. */
export function getEventHeader(headers: readonly HeaderField[]): EventHeader | undefined {
  const fields = getHeaderFields(headers, 'event');
  if (fields.length !== 1) return undefined;
  return parseEventHeader(fields[0]!.value);
}

export function parseEventHeader(value: string): EventHeader | undefined {
  const semi = value.indexOf(';');
  const type = (semi < 0 ? value : value.slice(0, semi)).trim();
  // event-type = event-package *( "." event-template ): token characters throughout.
  if (type.length === 0 || !isToken(type)) return undefined;
  if (semi < 0) return { package: type.toLowerCase() };
  const params = parseParams(value, semi);
  if (!params) return undefined;
  const id = paramValue(params, 'id');
  // id = token (8.2.1); anything else is refused rather than echoed into our NOTIFYs.
  if (id === null || (id !== undefined && !isToken(id))) return undefined;
  return { package: type.toLowerCase(), ...(id !== undefined ? { id } : {}) };
}

export function formatEventHeader(event: EventHeader): string {
  return event.id !== undefined ? `${event.package};id=${event.id}` : event.package;
}

/** RFC 6665 4.1.3 / 8.2.3: why a subscription ended, as the notifier tells it. */
export type TerminationReason = 'deactivated' | 'probation' | 'rejected' | 'timeout' | 'giveup' | 'noresource' | 'invariant';

export type SubscriptionStateValue =
  | { readonly state: 'active' | 'pending'; readonly expiresSeconds: number }
  | { readonly state: 'terminated'; readonly reason: TerminationReason };

/** RFC 6665 4.1.3: "active;expires=N", or "terminated;reason=R". */
export function formatSubscriptionState(s: SubscriptionStateValue): string {
  return s.state === 'terminated' ? `terminated;reason=${s.reason}` : `${s.state};expires=${Math.max(0, Math.floor(s.expiresSeconds))}`;
}
