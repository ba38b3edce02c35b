// The address a new phone is told to register to, shown with its
// credentials (POST /users/:id/devices, the portal's "SIP server /
// registrar"). It is the address Sotto advertises toward a phone on the
// network (config-advertise.ts), so what the admin types into the phone and
// what Sotto writes in its Contact agree:
//
//   SOTTO_SIP_ADVERTISE when set; else SOTTO_BIND when it is one
//   non-loopback address; else, bound to all interfaces, the address of the
//   interface facing the admin's browser (a phone is usually on the same
//   network as the admin's desk), or, when the browser is on the server
//   itself, the address of the default route's interface.
//
// None (undefined) when no phone on the network could reach Sotto: bound to
// loopback, or no interface but loopback is up. The portal says so rather
// than offering "localhost", which sends a desk phone to itself.
import { isIPv4, isIPv6 } from 'node:net';
import { isUnspecified } from '../sip/core/local-address.ts';
import { unmapIpv4 } from '../sip/transport/address.ts';
import { LocalRoutes, readMachineRoutes, type RouteReading } from '../sip/transport/local-routes.ts';
import type { SottoConfig } from './config.ts';

/**
 * The address to register to, for a device added from a browser at
 * `client` (the HTTP peer address). `routes` is read on each call: adding a
 * device is rare, and a DHCP renewal since start is then already seen.
 */
export function phoneServerAddress(config: Pick<SottoConfig, 'bind' | 'sipAdvertise'>, client: string, routes: () => RouteReading = readMachineRoutes): string | undefined {
  if (config.sipAdvertise !== undefined) return config.sipAdvertise;
  if (!isUnspecified(config.bind)) return isLoopbackAddress(config.bind) ? undefined : config.bind;
  let reading: RouteReading;
  try {
    reading = routes();
  } catch {
    // The device is added already and its password shown once: answer it without an address rather than fail.
    return undefined;
  }
  const peer = unmapIpv4(client);
  // 0.0.0.0 listens on IPv4 only; :: on both.
  const families: Array<4 | 6> = isIPv6(config.bind) ? [4, 6] : [4];
  // A browser on IPv4 gets the card facing it. On IPv6 (or on this machine) the
  // IPv4 address comes first: most desk phones and ATAs speak IPv4 only.
  if (!isLoopbackAddress(peer) && isIPv4(peer)) {
    const chosen = LocalRoutes.from(reading.table, reading.defaults).toward(peer);
    if (!isLoopbackAddress(chosen)) return chosen;
  }
  for (const family of families) {
    const found = defaultRouteAddress(reading, family);
    if (found !== undefined) return found;
  }
  return undefined;
}

/** The default route's interface address in `family`, else any address not on loopback (as LocalRoutes answers a stranger). */
function defaultRouteAddress(reading: RouteReading, family: 4 | 6): string | undefined {
  const usable = (name: string): string[] =>
    (reading.table[name] ?? [])
      .filter((a) => !a.internal && (family === 4 ? isIPv4(a.address) : isIPv6(a.address) && !a.address.toLowerCase().startsWith('fe80')))
      .map((a) => a.address);
  const viaDefault = reading.defaults[family];
  if (viaDefault !== undefined) {
    const [first] = usable(viaDefault);
    if (first !== undefined) return first;
  }
  for (const name of Object.keys(reading.table)) {
    const [first] = usable(name);
    if (first !== undefined) return first;
  }
  return undefined;
}

function isLoopbackAddress(address: string): boolean {
  const a = unmapIpv4(address).toLowerCase();
  return isIPv4(a) ? a.startsWith('127.') : a === '::1' || a === 'localhost';
}
