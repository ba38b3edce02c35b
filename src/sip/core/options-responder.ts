/**
 * The default answer to OPTIONS (RFC 3261 11.2): 200 with what we support.
 * Phones send OPTIONS as a keep-alive and a liveness probe, so this must
 * stay cheap and must not require authentication.
 */

import { createResponse, headerField, type HeaderField, type SipRequest, type SipResponse } from '../message/index.ts';

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

export const DEFAULT_ALLOW = ['INVITE', 'ACK', 'CANCEL', 'BYE', 'OPTIONS', 'REGISTER', 'NOTIFY', 'SUBSCRIBE', 'INFO', 'MESSAGE', 'UPDATE', 'REFER', 'PRACK'];

export function optionsResponse(request: SipRequest, capabilities: OptionsCapabilities = { allow: DEFAULT_ALLOW }): SipResponse {
  const headers: HeaderField[] = [
    headerField('Allow', capabilities.allow.join(', ')),
    headerField('Accept', (capabilities.accept ?? ['application/sdp']).join(', ')),
    headerField('Accept-Encoding', 'identity'),
    headerField('Accept-Language', 'en'),
  ];
  if (capabilities.supported && capabilities.supported.length > 0) headers.push(headerField('Supported', capabilities.supported.join(', ')));
  if (capabilities.server) headers.push(headerField('Server', capabilities.server));
  return createResponse(request, 200, undefined, { headers });
}
