// A scripted UDP phone that subscribes to its message-waiting indicator
// (RFC 6665 SUBSCRIBE with digest, RFC 3842 message-summary) and answers
// each NOTIFY it gets with 200 (or what the test says), keeping them all.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { createAuthorization, selectChallenge } from '../../src/sip/auth/index.ts';
import { getCSeq, getHeader, getHeaderFields, parseMessage, type SipMessage, type SipRequest, type SipResponse } from '../../src/sip/message/index.ts';

export interface MwiPhoneOptions {
  server: { host: string; port: number };
  domain: string;
  username: string;
  password: string;
}

const tag = (): string => randomBytes(6).toString('hex');

export class MwiPhone {
  readonly notifies: SipRequest[] = [];
  readonly responses: SipResponse[] = [];
  /** Status this phone answers NOTIFYs with. */
  notifyAnswer = 200;
  /** NOTIFY copies received, retransmissions included. */
  notifyCopies = 0;
  /** Leaves this many NOTIFYs unanswered (as if lost), so the server must retransmit. */
  dropNotifies = 0;
  private waiters: Array<{ test: () => boolean; resolve: () => void }> = [];
  /** The subscription dialog's ids; a test posing as another phone that saw them go by sets them. */
  callId = tag();
  fromTag = tag();
  private cseq = 0;
  /** Our dialog's remote tag, from the 200 to SUBSCRIBE. */
  toTag: string | undefined;

  private constructor(
    private readonly socket: Socket,
    readonly o: MwiPhoneOptions,
  ) {
    socket.on('message', (buf) => this.onMessage(buf));
  }

  static async open(o: MwiPhoneOptions): Promise<MwiPhone> {
    const s = createSocket('udp4');
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    return new MwiPhone(s, o);
  }

  get local(): string {
    return `127.0.0.1:${this.socket.address().port}`;
  }

  close(): void {
    this.socket.close();
  }

  private onMessage(buf: Buffer): void {
    const parsed = parseMessage(buf);
    if (!parsed.ok) return;
    const m: SipMessage = parsed.value;
    if (m.kind === 'request') {
      if (m.method === 'NOTIFY') {
        this.notifyCopies++;
        // A retransmission carries the same CSeq: answer again, keep once.
        if (!this.notifies.some((n) => getCSeq(n)?.seq === getCSeq(m)?.seq)) this.notifies.push(m);
        if (this.dropNotifies > 0) this.dropNotifies--;
        else this.reply(m, this.notifyAnswer);
      }
    } else this.responses.push(m);
    this.waiters = this.waiters.filter((w) => (w.test() ? (w.resolve(), false) : true));
  }

  until(test: () => boolean, what: string, timeoutMs = 10_000): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`mwi phone ${this.o.username}: timed out waiting for ${what}`)), timeoutMs);
      this.waiters.push({ test, resolve: () => (clearTimeout(t), resolve()) });
    });
  }

  async notifyNumber(n: number): Promise<SipRequest> {
    await this.until(() => this.notifies.length >= n, `NOTIFY #${n}`);
    return this.notifies[n - 1]!;
  }

  private reply(r: SipRequest, status: number): void {
    const copy = (name: string) => getHeaderFields(r.headers, name).map((h) => `${name}: ${h.value}`);
    const lines = [`SIP/2.0 ${status} ${status === 200 ? 'OK' : 'Gone'}`, ...copy('Via'), ...copy('From'), ...copy('To'), ...copy('Call-ID'), ...copy('CSeq'), 'Content-Length: 0', '', ''];
    this.socket.send(Buffer.from(lines.join('\r\n')), this.o.server.port, this.o.server.host);
  }

  private send(lines: string[]): void {
    this.socket.send(Buffer.from([...lines, 'Content-Length: 0', '', ''].join('\r\n')), this.o.server.port, this.o.server.host);
  }

  private async response(seq: number): Promise<SipResponse> {
    const find = () => this.responses.find((r) => getCSeq(r)?.seq === seq && r.status >= 200);
    await this.until(() => find() !== undefined, `response to CSeq ${seq}`);
    return find()!;
  }

  /**
   * SUBSCRIBE to `box`'s message-summary (default: our own extension),
   * answering a 401 with credentials unless `challenge` says to stop there.
   * In-dialog once subscribed (refresh). `accept`: the Accept value.
   */
  async subscribe(expires = 600, box = this.o.username, o: { accept?: string; challenge?: 'answer' | 'stop' } = {}): Promise<SipResponse> {
    const uri = `sip:${box}@${this.o.domain}`;
    const send = (auth?: string) => {
      this.cseq++;
      this.send([
        `SUBSCRIBE ${uri} SIP/2.0`,
        `Via: SIP/2.0/UDP ${this.local};branch=z9hG4bK${tag()};rport`,
        'Max-Forwards: 70',
        `From: <sip:${this.o.username}@${this.o.domain}>;tag=${this.fromTag}`,
        `To: <${uri}>${this.toTag ? `;tag=${this.toTag}` : ''}`,
        `Call-ID: ${this.callId}`,
        `CSeq: ${this.cseq} SUBSCRIBE`,
        `Contact: <sip:${this.o.username}@${this.local}>`,
        'Event: message-summary',
        `Accept: ${o.accept ?? 'application/simple-message-summary'}`,
        `Expires: ${expires}`,
        ...(auth ? [`Authorization: ${auth}`] : []),
      ]);
      return this.response(this.cseq);
    };
    let res = await send();
    if (res.status === 401 && o.challenge !== 'stop') {
      const c = selectChallenge(res, ['MD5']);
      const auth = c && createAuthorization(c, { username: this.o.username, password: this.o.password, method: 'SUBSCRIBE', uri });
      if (!auth) throw new Error('cannot answer the SUBSCRIBE challenge');
      res = await send(auth);
    }
    if (res.status === 200 && !this.toTag) this.toTag = /;\s*tag=([^;\s]+)/.exec(getHeader(res.headers, 'to') ?? '')?.[1];
    return res;
  }
}
