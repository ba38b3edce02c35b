/**
 * Whether a bound address is the wildcard (all interfaces): then no one
 * address can be written in Via, Contact or SDP, and the address facing
 * each peer is chosen instead (transport/local-routes.ts).
 */

export function isUnspecified(address: string): boolean {
  return address === '0.0.0.0' || address === '::' || address === '';
}
