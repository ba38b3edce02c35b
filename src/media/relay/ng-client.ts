// A client for rtpengine's "ng" control protocol: each request is a UDP
// datagram `<cookie> <bencoded dictionary>` and the reply echoes the cookie.
// Sotto uses it to drive rtpengine side by side with its own relay in
// bench/media-relay.ts; an adapter over it could stand in for MediaRelay
// when a practice runs a dedicated relay.

import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { decodeBencode, encodeBencode, type BencodeValue } from './bencode.ts';
import { RelayError } from './relay-error.ts';

export type NgReply = { readonly [key: string]: BencodeValue };

export class NgClient {
  private readonly socket: Socket;
  private readonly pending = new Map<string, { resolve: (r: NgReply) => void; reject: (e: Error) => void; timer: NodeJS.Timeout }>();

  constructor(
    private readonly address: string,
    private readonly port: number,
    private readonly timeoutMs = 2000,
  ) {
    this.socket = createSocket(address.includes(':') ? 'udp6' : 'udp4');
    this.socket.on('message', (msg) => this.onReply(msg));
    this.socket.on('error', () => {});
  }

  private onReply(msg: Buffer): void {
    const space = msg.indexOf(0x20);
    if (space < 0) return;
    const cookie = msg.toString('latin1', 0, space);
    const waiting = this.pending.get(cookie);
    if (!waiting) return;
    this.pending.delete(cookie);
    clearTimeout(waiting.timer);
    const decoded = decodeBencode(msg.subarray(space + 1));
    if (!decoded.ok || typeof decoded.value !== 'object' || Array.isArray(decoded.value) || Buffer.isBuffer(decoded.value)) {
      waiting.reject(new RelayError('RELAY_NEGOTIATION_FAILED', 'ng reply is not a dictionary'));
      return;
    }
    const reply = decoded.value as NgReply;
    if (reply.result === 'error') {
      waiting.reject(new RelayError('RELAY_NEGOTIATION_FAILED', `ng error: ${String(reply['error-reason'] ?? 'unknown')}`));
      return;
    }
    waiting.resolve(reply);
  }

  /** Sends one command (`{ command: 'offer', 'call-id': …, … }`) and waits for its reply. */
  request(command: { readonly command: string } & { readonly [key: string]: BencodeValue }): Promise<NgReply> {
    const cookie = randomBytes(8).toString('hex');
    const bytes = Buffer.concat([Buffer.from(`${cookie} `), encodeBencode(command)]);
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => {
        this.pending.delete(cookie);
        reject(new RelayError('RELAY_CLOSED', `ng ${command.command}: no reply`));
      }, this.timeoutMs);
      this.pending.set(cookie, { resolve, reject, timer });
      this.socket.send(bytes, this.port, this.address);
    });
  }

  close(): void {
    for (const p of this.pending.values()) clearTimeout(p.timer);
    this.pending.clear();
    this.socket.close();
  }
}
