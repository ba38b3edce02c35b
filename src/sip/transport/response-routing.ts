/**
 * Where a server sends a response (RFC 3261 18.2.2, RFC 3581 4).
 *
 * - Reliable transport: back over the connection the request came on, if it
 *   is still open; otherwise a new connection to `received` at the sent-by
 *   port.
 * - `maddr` present: to that address (multicast is not used by Sotto, but a
 *   unicast maddr is honoured) at the sent-by port.
 * - Unreliable: to `received` at `rport` when the client asked for rport,
 *   else at the sent-by port (5060 default, 5061 for TLS).
 */

import { getTopVia, type SipResponse } from '../message/index.ts';
import type { Destination, TransportProtocol } from './types.ts';

const DEFAULT_PORT: Record<TransportProtocol, number> = { UDP: 5060, TCP: 5060, TLS: 5061 };

function viaProtocol(transport: string): TransportProtocol | undefined {
  return transport === 'UDP' || transport === 'TCP' || transport === 'TLS' ? transport : undefined;
}

/**
 * Destination for `response`, whose top Via is the one our transport stamped
 * on the request. `connectionId` is the connection the request arrived on.
 */
export function responseDestination(response: SipResponse, connectionId?: string): Destination | undefined {
  const via = getTopVia(response);
  if (!via) return undefined;
  const protocol = viaProtocol(via.transport);
  if (!protocol) return undefined;
  const sentByPort = via.port ?? DEFAULT_PORT[protocol];
  const address = via.received ?? via.host;
  if (protocol !== 'UDP') {
    // The source port of a TCP connection is ephemeral: a new connection goes to sent-by.
    return { protocol, address, port: sentByPort, ...(connectionId ? { connectionId } : {}) };
  }
  if (via.maddr) return { protocol, address: via.maddr, port: sentByPort };
  return { protocol, address, port: typeof via.rport === 'number' ? via.rport : sentByPort };
}
