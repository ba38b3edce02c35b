/**
 * The host Sotto writes in its Via sent-by when bound to all interfaces:
 * responses to it are routed by received/rport anyway (RFC 3581), but the
 * value should still be an address the peer could use.
 */

import os from 'node:os';

export function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}

export function defaultAdvertisedAddress(family: 4 | 6): string {
  for (const list of Object.values(os.networkInterfaces())) {
    for (const a of list ?? []) {
      if (!a.internal && a.family === (family === 4 ? 'IPv4' : 'IPv6') && !a.address.startsWith('fe80')) return a.address;
    }
  }
  return family === 4 ? '127.0.0.1' : '::1';
}
