/**
 * Sotto's SIP transports (RFC 3261 18): UDP, TCP and TLS behind one interface.
 */

export {
  TransportStartError,
  type Transport,
  type TransportAddress,
  type TransportError,
  type TransportErrorCode,
  type TransportHandler,
  type TransportProtocol,
  type Destination,
  type MessageSource,
} from './types.ts';
export { silentLogger, type SipLogger } from './log.ts';
export { LogThrottle, type LogThrottleOptions } from './log-throttle.ts';
export { UdpTransport, type UdpTransportOptions } from './udp.ts';
export { TcpTransport, type TcpTransportOptions } from './tcp.ts';
export { TlsTransport, type TlsTransportOptions } from './tls.ts';
export type { StreamTransportOptions } from './stream-transport.ts';
export { responseDestination } from './response-routing.ts';
export { withContactFallback } from './contact-fallback.ts';
export { stampReceived } from './received-stamp.ts';
export { generateSelfSignedCertificate, checkKeyPair, type SelfSignedCertificate, type SelfSignedOptions } from './self-signed-certificate.ts';
export { unmapIpv4 } from './address.ts';
export { LocalRoutes, type AddressToward } from './local-routes.ts';
export { FakeTransport, fakeTransportPair, type SentRecord } from './fake-transport.ts';
