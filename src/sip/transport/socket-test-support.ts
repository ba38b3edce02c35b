/**
 * Real-socket clients for transport tests: a UDP peer and a TCP/TLS peer
 * that collect framed SIP messages and let a test wait for the next one.
 */

import dgram from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { StreamFramer } from '../message/index.ts';

/** Waits for the nth item of a growing list, driven by events. */
class Inbox {
  readonly items: string[] = [];
  private waiters: { n: number; resolve: (s: string) => void }[] = [];

  push(item: string): void {
    this.items.push(item);
    this.waiters = this.waiters.filter((w) => {
      const hit = this.items[w.n];
      if (hit !== undefined) w.resolve(hit);
      return hit === undefined;
    });
  }

  /** The first message containing `text`, once it has arrived. */
  async find(text: string): Promise<string> {
    for (let n = 0; ; n++) {
      const m = await this.at(n);
      if (m.includes(text)) return m;
    }
  }

  /** The message at index n (0-based) once it has arrived. */
  at(n: number): Promise<string> {
    const hit = this.items[n];
    if (hit !== undefined) return Promise.resolve(hit);
    return new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
}

export class UdpPeer {
  readonly inbox = new Inbox();
  private constructor(readonly socket: dgram.Socket) {
    socket.on('message', (m) => this.inbox.push(m.toString('utf8')));
  }

  static async open(family: 4 | 6 = 4): Promise<UdpPeer> {
    const socket = dgram.createSocket(family === 4 ? 'udp4' : 'udp6');
    await new Promise<void>((r) => socket.bind(0, family === 4 ? '127.0.0.1' : '::1', r));
    return new UdpPeer(socket);
  }

  get port(): number {
    return this.socket.address().port;
  }

  send(text: string | Buffer, port: number, host = '127.0.0.1'): void {
    this.socket.send(typeof text === 'string' ? Buffer.from(text) : text, port, host);
  }

  close(): void {
    this.socket.close();
  }
}

export class StreamPeer {
  readonly inbox = new Inbox();
  /** Keep-alive pongs received (bare CRLFs). */
  readonly closed: Promise<void>;
  private readonly framer = new StreamFramer();
  raw = '';

  private constructor(readonly socket: net.Socket) {
    socket.on('data', (chunk: Buffer) => {
      this.raw += chunk.toString('latin1');
      for (const e of this.framer.push(chunk).events) if (e.kind === 'message') this.inbox.push(e.bytes.toString('utf8'));
    });
    socket.on('error', () => undefined);
    this.closed = new Promise((r) => socket.once('close', () => r()));
  }

  static connect(port: number, host = '127.0.0.1'): Promise<StreamPeer> {
    return new Promise((resolve, reject) => {
      const s = net.connect({ port, host }, () => resolve(new StreamPeer(s)));
      s.once('error', reject);
    });
  }

  static connectTls(port: number, ca: string, options: tls.ConnectionOptions = {}): Promise<StreamPeer> {
    return new Promise((resolve, reject) => {
      const s = tls.connect({ port, host: '127.0.0.1', ca, ...options }, () => resolve(new StreamPeer(s)));
      s.once('error', reject);
    });
  }

  get port(): number {
    return this.socket.localPort ?? 0;
  }

  send(text: string | Buffer): void {
    this.socket.write(text);
  }

  close(): void {
    this.socket.destroy();
  }
}

/** An OPTIONS request from a peer; `sentBy` is what it claims in Via. */
export function optionsText(opts: { transport: string; sentBy: string; branch: string; callId?: string; method?: string }): string {
  const method = opts.method ?? 'OPTIONS';
  return (
    `${method} sip:sotto@127.0.0.1 SIP/2.0\r\n` +
    `Via: SIP/2.0/${opts.transport} ${opts.sentBy};branch=${opts.branch};rport\r\n` +
    'Max-Forwards: 70\r\n' +
    'From: <sip:101@example.com>;tag=ph1\r\n' +
    'To: <sip:sotto@example.com>\r\n' +
    `Call-ID: ${opts.callId ?? opts.branch}\r\n` +
    `CSeq: 1 ${method}\r\n` +
    'Content-Length: 0\r\n\r\n'
  );
}
