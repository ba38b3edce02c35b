/**
 * IP address helpers shared by the transports.
 */

import { isIPv4, isIPv6 } from 'node:net';

/** `::ffff:192.0.2.1` (what a dual-stack socket reports) as `192.0.2.1`. */
export function unmapIpv4(address: string): string {
  return address.startsWith('::ffff:') && isIPv4(address.slice(7)) ? address.slice(7) : address;
}

/** The map key of a peer: one form per address, so aliases find each other. */
export function peerKey(address: string, port: number): string {
  return `${unmapIpv4(address).toLowerCase()}|${port}`;
}

export function addressFamily(address: string): 4 | 6 | undefined {
  if (isIPv4(address)) return 4;
  if (isIPv6(address)) return 6;
  return undefined;
}
