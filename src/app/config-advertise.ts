// What Sotto names itself in what it sends, from SOTTO_SIP_ADVERTISE,
// SOTTO_RTP_ADVERTISE and SOTTO_BIND, settled once at start so no message
// pays for it:
//
//   SIP (Via sent-by, Contact): SOTTO_SIP_ADVERTISE; else SOTTO_BIND when it
//     is one address; else, bound to all interfaces, the address of the
//     interface facing each peer (LocalRoutes, read at start and again
//     when a reading is 30 s old).
//   RTP (SDP c= and o=): SOTTO_RTP_ADVERTISE; else SOTTO_SIP_ADVERTISE, an
//     IP as is, a host name resolved once here (phones do not resolve names
//     in c=, RFC 4566 allows them but few phones do); else as SIP.
import { lookup } from 'node:dns/promises';
import { isIP } from 'node:net';
import { isUnspecified } from '../sip/core/local-address.ts';
import { LocalRoutes, type AddressToward, type TransportProtocol } from '../sip/transport/index.ts';
import { ConfigError, type SottoConfig } from './config.ts';

export interface AdvertisedAddresses {
  /** For Via sent-by and Contact: one host, or the address facing a peer. */
  readonly sip: string | AddressToward;
  /** For SDP c=/o= of the media relay: one IP, or the address facing a peer. */
  readonly rtp: string | AddressToward;
}

type Resolve = (host: string, family: 4 | 6 | 0) => Promise<string>;

const resolveOnce: Resolve = async (host, family) => (await lookup(host, { family })).address;

export async function advertisedAddresses(config: Pick<SottoConfig, 'bind' | 'sipAdvertise' | 'rtpAdvertise'>, resolve: Resolve = resolveOnce): Promise<AdvertisedAddresses> {
  let routes: LocalRoutes | undefined;
  const bound = (): string | AddressToward => (isUnspecified(config.bind) ? (routes ??= LocalRoutes.machine()).toward : config.bind);
  const sip = config.sipAdvertise ?? bound();
  let rtp: string | AddressToward;
  if (config.rtpAdvertise !== undefined) rtp = config.rtpAdvertise;
  else if (config.sipAdvertise === undefined) rtp = bound();
  else if (isIP(config.sipAdvertise) !== 0) rtp = config.sipAdvertise;
  else {
    // `::` takes either family; any other bind address only its own.
    const family = config.bind === '::' ? 0 : isIP(config.bind) === 6 ? 6 : 4;
    try {
      rtp = await resolve(config.sipAdvertise, family);
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code ?? 'error';
      throw new ConfigError('SOTTO_RTP_ADVERTISE', `not set, and SOTTO_SIP_ADVERTISE ${config.sipAdvertise} did not resolve to an IPv${family || 4} address (${code}): set SOTTO_RTP_ADVERTISE to the IP phones send media to`);
    }
  }
  return { sip, rtp };
}

/**
 * Our Contact (name-addr) toward the phone at `peer` on `protocol`: a phone
 * on TCP or TLS must come back over TCP or TLS (RFC 3261 8.1.1.8). With one
 * advertised host the three values are made here, once.
 */
export function contactToward(host: string | AddressToward, ports: { readonly sip: number; readonly tls: number }): (protocol: TransportProtocol, peer: string) => string {
  const make = (h: string, protocol: TransportProtocol): string => {
    const literal = h.includes(':') ? `[${h}]` : h;
    if (protocol === 'UDP') return `<sip:${literal}:${ports.sip}>`;
    return protocol === 'TCP' ? `<sip:${literal}:${ports.sip};transport=tcp>` : `<sip:${literal}:${ports.tls};transport=tls>`;
  };
  if (typeof host === 'string') {
    const fixed = { UDP: make(host, 'UDP'), TCP: make(host, 'TCP'), TLS: make(host, 'TLS') };
    return (protocol) => fixed[protocol];
  }
  return (protocol, peer) => make(host(peer), protocol);
}
