// What Sotto implements as a SIP user agent server, in one place: the
// methods that OPTIONS, a 405 or 501, and our INVITEs and their 2xx name in
// Allow (RFC 3261 11.2, 20.5); the option tags it supports (none yet: no
// 100rel, timer, path, outbound, replaces, gruu), so any Require or
// Proxy-Require gets 420 (8.2.2.3); the body types and codings it reads.
// A method or a tag goes in here only once requests of it are handled:
// nothing listed may be answered 501.
//
// refuseRequest() is the first step of every request Sotto answers (ACK
// and CANCEL excepted, RFC 3261 8.2.2.3): method (405), URI scheme (416),
// Require (420), body (415), Accept (406), in the order of RFC 3261 8.2.
import type { OptionsCapabilities } from '../sip/core/index.ts';
import { checkRequest, createResponse, getTo, headerField, type HeaderField, type RequestPolicy, type SipRequest, type SipResponse } from '../sip/message/index.ts';

// INFO (RFC 6086) and UPDATE (RFC 3311) in a call: passed between the phones,
// or taken by voicemail and the mailbox menu (keys, refreshes); see mid-call.ts.
export const SOTTO_METHODS: readonly string[] = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'SUBSCRIBE', 'INFO', 'UPDATE'];

/** The option tags of our Supported: Sotto implements no SIP extension that a peer may Require. */
export const SOTTO_OPTION_TAGS: readonly string[] = [];

/** The body type Sotto reads in INVITE and UPDATE (SDP); what it answers them with. INFO bodies are read where the INFO is taken (info-dtmf.ts). */
const SDP = 'application/sdp';

/** The Allow field, built once: every INVITE, 2xx, 405 and 501 carries it. */
export const SOTTO_ALLOW: HeaderField = headerField('Allow', SOTTO_METHODS.join(', '));

/** OPTIONS' answer (RFC 3261 11.2), out of a dialog or in one. */
export const SOTTO_CAPABILITIES: OptionsCapabilities = { allow: SOTTO_METHODS, accept: [SDP], supported: SOTTO_OPTION_TAGS };

const INVITE_CHECKS: RequestPolicy = { supportedOptions: SOTTO_OPTION_TAGS, acceptedContentTypes: [SDP], answerContentType: SDP };
// Bodies of other requests are never read here (a REGISTER's, a BYE's, a SUBSCRIBE's; an INFO's is its taker's): no 415 for them.
const OTHER_CHECKS: RequestPolicy = { supportedOptions: SOTTO_OPTION_TAGS, ignoresBody: true };
// Out of a dialog an unknown method is 405 with Allow (8.2.1); inside one the
// dialog's owner answers it (501 with Allow, 21.5.2), so the method is not checked here.
// A new INVITE rings phones with one hop less (RFC 7332 3, see Call.ring), so none left is 483, as a proxy's (16.3 item 3).
const NEW_INVITE_CHECKS: RequestPolicy = { ...INVITE_CHECKS, allowedMethods: SOTTO_METHODS, isProxy: true };
const NEW_OTHER_CHECKS: RequestPolicy = { ...OTHER_CHECKS, allowedMethods: SOTTO_METHODS };

/**
 * The refusal a request gets before any service sees it, or undefined when
 * it passes. `toTag`: the To tag of a stateless answer (OPTIONS).
 */
export function refuseRequest(request: SipRequest, toTag?: string): SipResponse | undefined {
  const inDialog = getTo(request)?.tag !== undefined;
  const invite = request.method === 'INVITE';
  // An UPDATE's body is an offer as a re-INVITE's is (RFC 3311 5.2): the same checks.
  const policy = inDialog ? (invite || request.method === 'UPDATE' ? INVITE_CHECKS : OTHER_CHECKS) : invite ? NEW_INVITE_CHECKS : NEW_OTHER_CHECKS;
  const checked = checkRequest(request, policy);
  if (checked.ok) return undefined;
  const { status, reason, headers } = checked.error;
  return createResponse(request, status, reason, { headers, ...(toTag !== undefined ? { toTag } : {}) });
}
