/**
 * The default answer to OPTIONS (RFC 3261 11.2): 200 with what we support.
 * Phones send OPTIONS as a keep-alive and a liveness probe, so this must
 * stay cheap and must not require authentication.
 */

import { createResponse, headerField, statelessToTag, type HeaderField, type SipRequest, type SipResponse } from '../message/index.ts';
import { NonInviteServerTransaction, type ServerTransaction } from '../transaction/index.ts';

export interface OptionsCapabilities {
  /** Methods implemented (Allow). */
  readonly allow: readonly string[];
  /** Body types understood (Accept); default application/sdp. */
  readonly accept?: readonly string[];
  /** Option tags (Supported). */
  readonly supported?: readonly string[];
  /** Sent in User-Agent/Server, e.g. "Sotto"; never a version an attacker can look up unless set. */
  readonly server?: string;
}

/**
 * RFC 3261's own methods, for a bare stack (tests, benchmarks). An element
 * passes the list of what it implements: Allow must not name a method that
 * gets 405 or 501 (RFC 3261 20.5).
 */
export const DEFAULT_ALLOW = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER'];

/** The capability fields, built once per capabilities object: keep-alives come by the thousand. */
const fieldsFor = new WeakMap<OptionsCapabilities, readonly HeaderField[]>();

function capabilityFields(capabilities: OptionsCapabilities): readonly HeaderField[] {
  let fields = fieldsFor.get(capabilities);
  if (!fields) {
    const built: HeaderField[] = [
      headerField('Allow', capabilities.allow.join(', ')),
      headerField('Accept', (capabilities.accept ?? ['application/sdp']).join(', ')),
      headerField('Accept-Encoding', 'identity'),
      headerField('Accept-Language', 'en'),
    ];
    if (capabilities.supported && capabilities.supported.length > 0) built.push(headerField('Supported', capabilities.supported.join(', ')));
    if (capabilities.server) built.push(headerField('Server', capabilities.server));
    fields = built;
    fieldsFor.set(capabilities, fields);
  }
  return fields;
}

const DEFAULT_CAPABILITIES: OptionsCapabilities = { allow: DEFAULT_ALLOW };

/** `toTag`: the To tag to add (a stateless answer derives it from the request); random when omitted. */
export function optionsResponse(request: SipRequest, capabilities: OptionsCapabilities = DEFAULT_CAPABILITIES, toTag?: string): SipResponse {
  return createResponse(request, 200, undefined, { headers: capabilityFields(capabilities), ...(toTag !== undefined ? { toTag } : {}) });
}

/**
 * Answers OPTIONS as a stateless UAS (RFC 3261 8.2.7): the 200 depends only
 * on the request, so no transaction needs to outlive it (a phone's
 * keep-alive would otherwise hold 32 s of Timer J state over UDP).
 */
export function answerOptions(tx: ServerTransaction, request: SipRequest, capabilities: OptionsCapabilities = DEFAULT_CAPABILITIES): void {
  const response = optionsResponse(request, capabilities, statelessToTag(request));
  if (tx instanceof NonInviteServerTransaction) tx.respondStateless(response);
  else tx.respond(response);
}

/**
 * The 200 to an OPTIONS for a TU's statelessAnswer: no transaction is made
 * for it at all (a keep-alive costs only its parse and this answer).
 */
export function statelessOptionsAnswer(request: SipRequest, capabilities: OptionsCapabilities = DEFAULT_CAPABILITIES): SipResponse | undefined {
  return request.method === 'OPTIONS' ? optionsResponse(request, capabilities, statelessToTag(request)) : undefined;
}
