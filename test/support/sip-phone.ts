// A minimal UDP phone for in-process registrar tests: builds REGISTERs,
// answers digest challenges with sip/auth's client, and reads responses off
// a real socket. (Real peers, sipp and baresip, are driven in test/interop.)
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createAuthorization, selectChallenge } from '../../src/sip/auth/index.ts';
import { parseMessage, type SipResponse } from '../../src/sip/message/index.ts';

export interface PhoneOptions {
  /** Local address to send from (any 127.x works on Linux). */
  localAddress?: string;
  server: { host: string; port: number };
  domain: string;
  username: string;
  password: string;
  /** The AOR user in To/From; defaults to the username. */
  aorUser?: string;
}

export class UdpPhone {
  private cseq = 0;
  private readonly callId = randomBytes(8).toString('hex');
  private readonly inbox: SipResponse[] = [];
  private waiters: Array<(r: SipResponse) => void> = [];

  private constructor(
    private readonly socket: Socket,
    readonly o: PhoneOptions,
  ) {
    socket.on('message', (buf) => {
      const r = parseMessage(buf);
      if (!r.ok || r.value.kind !== 'response') return;
      const w = this.waiters.shift();
      if (w) w(r.value);
      else this.inbox.push(r.value);
    });
  }

  static async open(o: PhoneOptions): Promise<UdpPhone> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, o.localAddress ?? '127.0.0.1', resolve));
    return new UdpPhone(s, o);
  }

  get port(): number {
    return this.socket.address().port;
  }

  private next(timeoutMs = 5000): Promise<SipResponse> {
    const queued = this.inbox.shift();
    if (queued) return Promise.resolve(queued);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error('no SIP response')), timeoutMs);
      this.waiters.push((r) => {
        clearTimeout(t);
        resolve(r);
      });
    });
  }

  /** One REGISTER transaction (no auth retry). */
  async send(opts: { expires?: number; contact?: string | null; authorization?: string } = {}): Promise<SipResponse> {
    this.cseq++;
    const user = this.o.aorUser ?? this.o.username;
    const local = `${this.socket.address().address}:${this.port}`;
    const contact = opts.contact === undefined ? `<sip:${user}@${local}>` : opts.contact;
    const lines = [
      `REGISTER sip:${this.o.domain} SIP/2.0`,
      `Via: SIP/2.0/UDP ${local};branch=z9hG4bK${randomBytes(6).toString('hex')};rport`,
      'Max-Forwards: 70',
      `From: <sip:${user}@${this.o.domain}>;tag=${this.callId.slice(0, 8)}`,
      `To: <sip:${user}@${this.o.domain}>`,
      `Call-ID: ${this.callId}`,
      `CSeq: ${this.cseq} REGISTER`,
      ...(contact !== null ? [`Contact: ${contact}`] : []),
      ...(opts.expires !== undefined ? [`Expires: ${opts.expires}`] : []),
      ...(opts.authorization ? [`Authorization: ${opts.authorization}`] : []),
      'User-Agent: sotto-test-phone',
      'Content-Length: 0',
    ];
    this.socket.send(Buffer.from(lines.join('\r\n') + '\r\n\r\n'), this.o.server.port, this.o.server.host);
    return this.next();
  }

  /** REGISTER, then answer the challenge once: what a phone does. */
  async register(opts: { expires?: number; contact?: string | null; algorithms?: Array<'MD5' | 'SHA-256'> } = {}): Promise<{ challenge: SipResponse; final: SipResponse }> {
    const challenge = await this.send(opts);
    if (challenge.status !== 401) return { challenge, final: challenge };
    const c = selectChallenge(challenge, opts.algorithms ?? ['MD5']);
    if (!c) throw new Error('no usable challenge');
    const authorization = createAuthorization(c, { username: this.o.username, password: this.o.password, method: 'REGISTER', uri: `sip:${this.o.domain}` });
    if (!authorization) throw new Error('could not answer challenge');
    return { challenge, final: await this.send({ ...opts, authorization }) };
  }

  private closed = false;

  close(): void {
    if (this.closed) return;
    this.closed = true;
    this.socket.close();
  }
}
