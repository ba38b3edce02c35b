/**
 * SIP over TCP (RFC 3261 18). All behaviour lives in StreamTransport.
 */

import net from 'node:net';
import type { Destination } from './types.ts';
import { StreamTransport, type StreamTransportOptions } from './stream-transport.ts';

export type TcpTransportOptions = StreamTransportOptions;

export class TcpTransport extends StreamTransport {
  readonly protocol = 'TCP' as const;
  protected readonly readyEvent = 'connection' as const;

  protected createServer(): net.Server {
    return net.createServer({ noDelay: true });
  }

  protected dial(destination: Destination): Promise<net.Socket> {
    return new Promise((resolve, reject) => {
      const socket = net.connect({ host: destination.address, port: destination.port, timeout: this.connectTimeoutMs });
      const fail = (e: Error): void => {
        socket.destroy();
        reject(e);
      };
      socket.once('error', fail);
      socket.once('timeout', () => fail(Object.assign(new Error('connect timeout'), { code: 'ETIMEDOUT' })));
      socket.once('connect', () => {
        socket.off('error', fail);
        socket.removeAllListeners('timeout');
        socket.setTimeout(0);
        resolve(socket);
      });
    });
  }
}
