/**
 * SIP over TLS (RFC 3261 18, 26.2.1), TLS 1.2 or later only: older versions
 * have known downgrade and padding attacks, and every phone sold in the
 * last decade speaks 1.2.
 */

import type net from 'node:net';
import tls from 'node:tls';
import type { Destination } from './types.ts';
import { StreamTransport, type StreamTransportOptions } from './stream-transport.ts';

export interface TlsTransportOptions extends StreamTransportOptions {
  /** PEM certificate chain and private key (from config, or generateSelfSignedCertificate()). */
  readonly cert: string | Buffer;
  readonly key: string | Buffer;
  /**
   * Trust anchors for outgoing connections (to phones, at their Contact);
   * Node's bundled public CAs when omitted. Given, they replace that store:
   * pass tls.rootCertificates too to add to it.
   */
  readonly ca?: string | Buffer | Array<string | Buffer>;
  /** Verify the server certificate on outgoing connections (default true). */
  readonly verifyPeer?: boolean;
  /** How long a TLS handshake may take (default 10 s). */
  readonly handshakeTimeoutMs?: number;
}

export class TlsTransport extends StreamTransport {
  readonly protocol = 'TLS' as const;
  protected readonly readyEvent = 'secureConnection' as const;

  /** Made once: a `ca` list given to every connect would be parsed again for each connection. */
  private readonly clientContext: tls.SecureContext | undefined;

  constructor(private readonly tlsOptions: TlsTransportOptions) {
    super(tlsOptions);
    this.clientContext = tlsOptions.ca ? tls.createSecureContext({ ca: tlsOptions.ca, minVersion: 'TLSv1.2' }) : undefined;
  }

  protected createServer(): net.Server {
    const server = tls.createServer({
      cert: this.tlsOptions.cert,
      key: this.tlsOptions.key,
      minVersion: 'TLSv1.2',
      handshakeTimeout: this.tlsOptions.handshakeTimeoutMs ?? 10_000,
    });
    server.on('tlsClientError', (e: NodeJS.ErrnoException) => this.logger.debug({ code: e.code ?? 'TLS_HANDSHAKE' }, 'sip: tls handshake failed'));
    return server;
  }

  protected dial(destination: Destination): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = tls.connect({
        host: destination.address,
        port: destination.port,
        minVersion: 'TLSv1.2',
        rejectUnauthorized: this.tlsOptions.verifyPeer ?? true,
        ...(this.clientContext ? { secureContext: this.clientContext } : {}),
        timeout: this.connectTimeoutMs,
      });
      const fail = (e: Error): void => {
        socket.destroy();
        reject(e);
      };
      socket.once('error', fail);
      socket.once('timeout', () => fail(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })));
      socket.once('secureConnect', () => {
        socket.off('error', fail);
        socket.removeAllListeners('timeout');
        socket.setTimeout(0);
        resolve(socket);
      });
    });
  }
}
