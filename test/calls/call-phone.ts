// A scripted phone for call tests, over UDP, TCP or TLS: registers with
// digest, places calls (answering the 407), and answers INVITEs the way the
// test says (ring, answer, busy). Every SIP message it sends or receives goes
// into `flow` as `> INVITE` / `< 180` (retransmissions once), so tests
// assert the flow. Over TCP/TLS it keeps the one connection it registered
// on and never listens (the server can only reach it back over that flow),
// unless `listen` is given: then its Contact names a listening port, as a
// real phone's does, and it answers on whichever connection a request came.
import { randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';
import net from 'node:net';
import tls from 'node:tls';
import { createAuthorization, selectChallenge } from '../../src/sip/auth/index.ts';
import { getCSeq, getHeader, getHeaderFields, parseMessage, StreamFramer, type SipMessage, type SipRequest, type SipResponse } from '../../src/sip/message/index.ts';

export type IncomingPolicy =
  | { kind: 'ring' }
  | { kind: 'busy' }
  | { kind: 'answer'; sdp: (offer: string) => string }
  | { kind: 'early'; sdp: (offer: string) => string }
  /** A phone without SRTP: 488 to an RTP/SAVP offer, answers plain RTP. */
  | { kind: 'plain-only'; sdp: (offer: string) => string };

const SAVP_OFFER = /^m=audio \d+ RTP\/SAVP /m;

export type PhoneTransport = 'UDP' | 'TCP' | 'TLS';

export interface CallPhoneOptions {
  server: { host: string; port: number };
  domain: string;
  username: string;
  password: string;
  /** Default UDP. */
  transport?: PhoneTransport;
  /** TLS: the server certificate to trust. */
  ca?: string;
  /** TCP/TLS: also listen (port 0; for TLS with this certificate) and name that port in the Contact. */
  listen?: { cert?: string; key?: string };
}

/** The phone's one way to the server: a UDP socket or the one stream connection. */
interface PhoneWire {
  readonly port: number;
  /** The port the Contact names: the listening one, else `port`. */
  readonly contactPort: number;
  send(bytes: Buffer): void;
  close(): void;
}

async function openWire(o: CallPhoneOptions, deliver: (bytes: Buffer, localPort: number) => void): Promise<PhoneWire> {
  const transport = o.transport ?? 'UDP';
  if (transport === 'UDP') {
    const s = createSocket('udp4');
    s.on('message', (b) => deliver(b, s.address().port));
    await new Promise<void>((resolve) => s.bind(0, '127.0.0.1', resolve));
    const port = s.address().port;
    return { port, contactPort: port, send: (b) => s.send(b, o.server.port, o.server.host), close: () => s.close() };
  }
  const socket = await new Promise<net.Socket>((resolve, reject) => {
    const sock =
      transport === 'TLS'
        ? tls.connect({ host: o.server.host, port: o.server.port, ...(o.ca ? { ca: o.ca } : {}), servername: 'localhost', checkServerIdentity: () => undefined }, () => resolve(sock))
        : net.connect({ host: o.server.host, port: o.server.port }, () => resolve(sock));
    sock.once('error', reject);
  });
  // Sends go on the connection the last message came on (RFC 3261 18.2.2: responses back the way the request came).
  let current = socket;
  const sockets = new Set<net.Socket>();
  const read = (s: net.Socket): void => {
    sockets.add(s);
    const framer = new StreamFramer();
    s.on('data', (chunk: Buffer) => {
      current = s;
      for (const e of framer.push(chunk).events) if (e.kind === 'message') deliver(e.bytes, s.localPort ?? 0);
    });
    s.on('error', () => {});
    s.on('close', () => sockets.delete(s));
  };
  read(socket);
  let server: net.Server | undefined;
  if (o.listen) {
    const l = o.listen;
    server = transport === 'TLS' ? tls.createServer({ ...(l.cert ? { cert: l.cert } : {}), ...(l.key ? { key: l.key } : {}) }, read) : net.createServer(read);
    const listening = server;
    await new Promise<void>((resolve) => listening.listen(0, '127.0.0.1', resolve));
  }
  const contactPort = server ? (server.address() as net.AddressInfo).port : (socket.localPort ?? 0);
  return {
    port: socket.localPort ?? 0,
    contactPort,
    send: (b) => void current.write(b),
    close: () => {
      for (const s of sockets) s.destroy();
      server?.close();
    },
  };
}

interface Waiter {
  test: (m: SipMessage) => boolean;
  resolve: (m: SipMessage) => void;
}

const tag = (): string => randomBytes(6).toString('hex');

export class CallPhone {
  readonly flow: string[] = [];
  readonly received: SipMessage[] = [];
  /** Every message as it arrived, retransmissions included (flow and received keep each once). */
  readonly heard: SipMessage[] = [];
  private heardWaiters: Array<() => void> = [];
  private readonly seen = new Set<string>();
  private waiters: Waiter[] = [];
  incoming: IncomingPolicy = { kind: 'ring' };
  /** The final status this phone answers an INFO with (RFC 6086); undefined: the test answers it. */
  infoStatus: number | undefined = 200;
  /** The last INVITE this phone received, and our To tag for it. */
  lastInvite: SipRequest | undefined;
  /** Our local port the last INVITE came in on (the listening port's connections, or the registered one). */
  lastInviteOn: number | undefined;
  private inviteTag = tag();
  private cseq = 0;

  private wire!: PhoneWire;

  private constructor(readonly o: CallPhoneOptions) {}

  static async open(o: CallPhoneOptions): Promise<CallPhone> {
    const phone = new CallPhone(o);
    phone.wire = await openWire(o, (buf, port) => phone.onMessage(buf, port));
    return phone;
  }

  get port(): number {
    return this.wire.port;
  }

  /** The port the Contact names (the listening one with `listen`). */
  get contactPort(): number {
    return this.wire.contactPort;
  }

  get local(): string {
    return `127.0.0.1:${this.port}`;
  }

  /** The Via transport token, and the Contact URI parameter for stream transports. */
  get transport(): PhoneTransport {
    return this.o.transport ?? 'UDP';
  }

  get via(): string {
    return `Via: SIP/2.0/${this.transport} ${this.local}`;
  }

  get contact(): string {
    return `<sip:${this.o.username}@127.0.0.1:${this.wire.contactPort}${this.transport === 'UDP' ? '' : `;transport=${this.transport.toLowerCase()}`}>`;
  }

  close(): void {
    this.wire.close();
  }

  // ------------------------------------------------------------ wire

  private onMessage(buf: Buffer, localPort: number): void {
    const key = buf.toString('latin1');
    const parsed = parseMessage(buf);
    if (!parsed.ok) return;
    const m = parsed.value;
    this.heard.push(m);
    for (const w of this.heardWaiters) w();
    if (this.seen.has(key)) {
      // A retransmission: answer it again if it is a request we answered, but keep the flow clean.
      if (m.kind === 'request' && m.method === 'INVITE' && this.incoming.kind === 'busy') this.reply(m, 486);
      if (m.kind === 'request' && m.method === 'INVITE' && this.incoming.kind === 'plain-only' && SAVP_OFFER.test(m.body.toString('utf8'))) this.reply(m, 488);
      return;
    }
    this.seen.add(key);
    // 100 Trying is left out of the flow: RFC 3261 17.2.1 sends it only when
    // the answer takes over 200 ms, so whether it comes depends on timing,
    // which tests do not assert. Every other message is asserted exactly.
    if (!(m.kind === 'response' && m.status === 100)) this.flow.push(`< ${m.kind === 'request' ? m.method : m.status}`);
    this.received.push(m);
    if (m.kind === 'request' && m.method === 'INVITE') this.lastInviteOn = localPort;
    if (m.kind === 'request') this.onRequest(m);
    this.waiters = this.waiters.filter((w) => {
      if (!w.test(m)) return true;
      w.resolve(m);
      return false;
    });
  }

  sendRaw(lines: string[], body: string | Buffer = '', label: string): void {
    const bytes = typeof body === 'string' ? Buffer.from(body) : body;
    const head = [...lines, `Content-Length: ${bytes.length}`, '', ''].join('\r\n');
    this.flow.push(`> ${label}`);
    this.wire.send(Buffer.concat([Buffer.from(head), bytes]));
  }

  /** Settles with the first message (already received or arriving) that passes `test`. */
  waitFor(test: (m: SipMessage) => boolean, timeoutMs = 10_000): Promise<SipMessage> {
    const done = this.received.find(test);
    if (done) return Promise.resolve(done);
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`phone ${this.o.username}: no message; flow ${this.flow.join(', ')}`)), timeoutMs);
      this.waiters.push({ test, resolve: (m) => (clearTimeout(t), resolve(m)) });
    });
  }

  /** Settles once `count` messages heard (retransmissions included) pass `test`. */
  waitHeard(test: (m: SipMessage) => boolean, count: number, timeoutMs = 10_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const check = (): boolean => this.heard.filter(test).length >= count;
      if (check()) return resolve();
      const t = setTimeout(() => reject(new Error(`phone ${this.o.username}: heard too few; flow ${this.flow.join(', ')}`)), timeoutMs);
      const w = (): void => {
        if (!check()) return;
        clearTimeout(t);
        this.heardWaiters = this.heardWaiters.filter((x) => x !== w);
        resolve();
      };
      this.heardWaiters.push(w);
    });
  }

  waitResponse(method: string, min = 200, after = 0): Promise<SipResponse> {
    return this.waitFor((m) => m.kind === 'response' && m.status >= min && getCSeq(m)?.method === method && (getCSeq(m)?.seq ?? 0) > after) as Promise<SipResponse>;
  }

  waitRequest(method: string): Promise<SipRequest> {
    return this.waitFor((m) => m.kind === 'request' && m.method === method) as Promise<SipRequest>;
  }

  // ------------------------------------------------------------ UAS side

  private onRequest(r: SipRequest): void {
    if (r.method === 'INVITE' && /;\s*tag=/.test(getHeader(r.headers, 'to') ?? '')) {
      // A re-INVITE inside the call: answer the new offer, same dialog.
      if (this.incoming.kind === 'answer') this.reply(r, 200, this.incoming.sdp(r.body.toString('utf8')));
      return;
    }
    if (r.method === 'INVITE') {
      this.lastInvite = r;
      this.inviteTag = tag();
      if (this.incoming.kind === 'busy') return this.reply(r, 486);
      if (this.incoming.kind === 'plain-only') {
        if (SAVP_OFFER.test(r.body.toString('utf8'))) return this.reply(r, 488);
        this.reply(r, 180);
        return this.reply(r, 200, this.incoming.sdp(r.body.toString('utf8')));
      }
      // Early media (an announcement, ringback from the far end): 183 with the answer; 200 when the test says.
      if (this.incoming.kind === 'early') return this.reply(r, 183, this.incoming.sdp(r.body.toString('utf8')));
      this.reply(r, 180);
      if (this.incoming.kind === 'answer') this.reply(r, 200, this.incoming.sdp(r.body.toString('utf8')));
      return;
    }
    if (r.method === 'CANCEL') {
      this.reply(r, 200);
      if (this.lastInvite) this.reply(this.lastInvite, 487);
      return;
    }
    if (r.method === 'BYE') return this.reply(r, 200);
    if (r.method === 'INFO' && this.infoStatus !== undefined) return this.reply(r, this.infoStatus);
  }

  /** A response to `r`, copying Via/From/To/Call-ID/CSeq (RFC 3261 8.2.6); `headers`: more header fields. */
  reply(r: SipRequest, status: number, sdp = '', toTag = this.inviteTag, headers: string[] = []): void {
    const copy = (name: string) => getHeaderFields(r.headers, name).map((h) => `${name}: ${h.value}`);
    const to = getHeader(r.headers, 'to') ?? '';
    const lines = [
      `SIP/2.0 ${status} ${status === 200 ? 'OK' : 'X'}`,
      ...copy('Via'),
      ...copy('From'),
      `To: ${/;tag=/.test(to) || status === 100 ? to : `${to};tag=${toTag}`}`,
      ...copy('Call-ID'),
      ...copy('CSeq'),
      ...(r.method === 'INVITE' && status < 300 && status > 100 ? [`Contact: ${this.contact}`] : []),
      ...headers,
      ...(sdp ? ['Content-Type: application/sdp'] : []),
    ];
    this.sendRaw(lines, sdp, String(status));
  }

  /** Answers the last INVITE now (after early media), with the same SDP answer as its 183. */
  answerIncoming(sdp: string): void {
    if (!this.lastInvite) throw new Error('no incoming call');
    this.reply(this.lastInvite, 200, sdp);
  }

  /** The callee hangs up: BYE inside the dialog of the last INVITE it answered (RFC 3261 15.1.1). */
  hangUpIncoming(): void {
    const r = this.lastInvite;
    if (!r) throw new Error('no incoming call');
    const from = getHeader(r.headers, 'from') ?? '';
    const to = getHeader(r.headers, 'to') ?? '';
    const contact = /<([^>]+)>/.exec(getHeader(r.headers, 'contact') ?? '')?.[1] ?? 'sip:invalid';
    this.sendRaw([`BYE ${contact} SIP/2.0`, `${this.via};branch=z9hG4bK${tag()};rport`, 'Max-Forwards: 70', `From: ${to};tag=${this.inviteTag}`, `To: ${from}`, `Call-ID: ${getHeader(r.headers, 'call-id')}`, 'CSeq: 1 BYE'], '', 'BYE');
  }

  /**
   * The callee sends a re-INVITE (hold: sendonly) inside the dialog of the
   * last INVITE it answered, and ACKs the 2xx (RFC 3261 14.1, 13.2.2.4).
   * With `sdp` '' it carries no offer, and `answer` makes the ACK's answer
   * to the 2xx's.
   */
  async reInviteIncoming(sdp: string, seq: number, answer: (offer: string) => string = () => ''): Promise<SipResponse> {
    const r = this.lastInvite;
    if (!r) throw new Error('no incoming call');
    const contact = /<([^>]+)>/.exec(getHeader(r.headers, 'contact') ?? '')?.[1] ?? 'sip:invalid';
    const lines = (method: string) => [
      `${method} ${contact} SIP/2.0`,
      `${this.via};branch=z9hG4bK${tag()};rport`,
      'Max-Forwards: 70',
      `From: ${getHeader(r.headers, 'to') ?? ''};tag=${this.inviteTag}`,
      `To: ${getHeader(r.headers, 'from') ?? ''}`,
      `Call-ID: ${getHeader(r.headers, 'call-id')}`,
      `CSeq: ${seq} ${method}`,
    ];
    this.sendRaw([...lines('INVITE'), `Contact: ${this.contact}`, ...(sdp ? ['Content-Type: application/sdp'] : [])], sdp, 'INVITE');
    const final = await this.waitResponse('INVITE', 200, seq - 1);
    const ackSdp = final.status < 300 && !sdp ? answer(final.body.toString('utf8')) : '';
    if (final.status < 300) this.sendRaw([...lines('ACK'), ...(ackSdp ? ['Content-Type: application/sdp'] : [])], ackSdp, 'ACK');
    return final;
  }

  // ------------------------------------------------------------ UAC side

  private request(method: string, uri: string, headers: string[], body = ''): void {
    this.sendRaw([`${method} ${uri} SIP/2.0`, `${this.via};branch=z9hG4bK${tag()};rport`, 'Max-Forwards: 70', ...headers], body, method);
  }

  async register(): Promise<SipResponse> {
    const callId = tag();
    const send = (auth?: string) => {
      this.cseq++;
      this.request('REGISTER', `sip:${this.o.domain}`, [
        `From: <sip:${this.o.username}@${this.o.domain}>;tag=${tag()}`,
        `To: <sip:${this.o.username}@${this.o.domain}>`,
        `Call-ID: ${callId}`,
        `CSeq: ${this.cseq} REGISTER`,
        `Contact: ${this.contact}`,
        'Expires: 300',
        ...(auth ? [`Authorization: ${auth}`] : []),
      ]);
      return this.waitResponse('REGISTER', 200, this.cseq - 1);
    };
    const challenge = await send();
    if (challenge.status !== 401) return challenge;
    const c = selectChallenge(challenge, ['MD5']);
    const auth = c && createAuthorization(c, { username: this.o.username, password: this.o.password, method: 'REGISTER', uri: `sip:${this.o.domain}` });
    if (!auth) throw new Error('cannot answer the REGISTER challenge');
    const final = await send(auth);
    this.flow.length = 0; // registration is set-up, not the call under test
    return final;
  }

  /** Places a call: INVITE, answer the 407 (ACK it, INVITE again with credentials). `sdp` '' sends no offer (a late offer). `maxForwards`: the INVITEs' (default 70). */
  async call(extension: string, sdp: string, o: { maxForwards?: number } = {}): Promise<OutgoingCall> {
    const c = new OutgoingCall(this, `sip:${extension}@${this.o.domain}`, sdp, o.maxForwards);
    c.invite();
    const challenge = await this.waitResponse('INVITE', 200, 0);
    if (challenge.status !== 407) throw new Error(`expected 407, got ${challenge.status}`);
    c.ackNon2xx(challenge);
    const ch = selectChallenge(challenge, ['MD5']);
    const auth = ch && createAuthorization(ch, { username: this.o.username, password: this.o.password, method: 'INVITE', uri: c.uri });
    if (!auth) throw new Error('cannot answer the INVITE challenge');
    c.cseq = 2;
    c.invite(auth);
    return c;
  }
}

/** The caller's side of one call: the INVITE it sent and what it needs for ACK, CANCEL and BYE. */
export class OutgoingCall {
  readonly callId = tag();
  readonly fromTag = tag();
  cseq = 1;
  private branch = '';
  private toValue: string | undefined;

  constructor(
    readonly phone: CallPhone,
    readonly uri: string,
    private readonly sdp: string,
    private readonly maxForwards = 70,
  ) {}

  private get from(): string {
    return `From: <sip:${this.phone.o.username}@${this.phone.o.domain}>;tag=${this.fromTag}`;
  }

  invite(auth?: string): void {
    this.branch = `z9hG4bK${tag()}`;
    this.phone.sendRaw(
      [
        `INVITE ${this.uri} SIP/2.0`,
        `${this.phone.via};branch=${this.branch};rport`,
        `Max-Forwards: ${this.maxForwards}`,
        this.from,
        `To: <${this.uri}>`,
        `Call-ID: ${this.callId}`,
        `CSeq: ${this.cseq} INVITE`,
        `Contact: ${this.phone.contact}`,
        ...(auth ? [`Proxy-Authorization: ${auth}`] : []),
        ...(this.sdp ? ['Content-Type: application/sdp'] : []),
      ],
      this.sdp,
      'INVITE',
    );
  }

  /** RFC 3261 17.1.1.3: the ACK of a non-2xx: same branch, the response's To. */
  ackNon2xx(r: SipResponse): void {
    this.phone.sendRaw([`ACK ${this.uri} SIP/2.0`, `${this.phone.via};branch=${this.branch};rport`, 'Max-Forwards: 70', this.from, `To: ${getHeader(r.headers, 'to')}`, `Call-ID: ${this.callId}`, `CSeq: ${this.cseq} ACK`], '', 'ACK');
  }

  /** RFC 3261 13.2.2.4: the ACK of the 2xx, a new transaction to the remote target; with `sdp`, the answer to an offer in the 2xx. */
  ack2xx(r: SipResponse, sdp = ''): void {
    this.toValue = getHeader(r.headers, 'to');
    this.inDialog('ACK', getCSeq(r)?.seq ?? this.cseq, sdp);
  }

  cancel(): void {
    this.phone.sendRaw([`CANCEL ${this.uri} SIP/2.0`, `${this.phone.via};branch=${this.branch};rport`, 'Max-Forwards: 70', this.from, `To: <${this.uri}>`, `Call-ID: ${this.callId}`, `CSeq: ${this.cseq} CANCEL`], '', 'CANCEL');
  }

  /**
   * A re-INVITE with a new offer (hold: sendonly); ACKs the 2xx. With `sdp`
   * '' it carries none, and `answer` makes the ACK's answer to the 2xx's offer.
   */
  async reInvite(sdp: string, answer: (offer: string) => string = () => ''): Promise<SipResponse> {
    this.cseq++;
    const seq = this.cseq;
    this.inDialog('INVITE', seq, sdp);
    const final = await this.phone.waitResponse('INVITE', 200, seq - 1);
    if (final.status < 300) this.inDialog('ACK', seq, sdp ? '' : answer(final.body.toString('utf8')));
    return final;
  }

  /** `headers`: more header fields (a Max-Forwards of the test's). */
  bye(headers: string[] = []): void {
    this.cseq++;
    this.inDialog('BYE', this.cseq, '', headers);
  }

  /** Requests from now on go in the early dialog a provisional response (180 with a To tag) made; the INVITE stays pending. */
  useEarlyDialog(provisional: SipResponse): void {
    this.toValue = getHeader(provisional.headers, 'to');
  }

  /** RFC 3261 15: hangs up in the early dialog a provisional response made; `headers`: more header fields. */
  byeEarly(provisional: SipResponse, headers: string[] = []): void {
    this.useEarlyDialog(provisional);
    this.bye(headers);
  }

  /** Any other request inside the dialog (INFO, UPDATE …), with its own header fields and body. */
  request(method: string, headers: string[], body = ''): void {
    this.cseq++;
    this.inDialog(method, this.cseq, body, headers);
  }

  private inDialog(method: string, seq: number, body = '', headers: string[] = []): void {
    // A body is SDP unless `headers` say otherwise; an INVITE without one is a late offer (no Content-Type then).
    const contentType = body && !headers.some((h) => /^content-type\s*:/i.test(h)) ? ['Content-Type: application/sdp'] : [];
    // Max-Forwards 70 unless `headers` give one.
    const hops = headers.some((h) => /^max-forwards\s*:/i.test(h)) ? [] : ['Max-Forwards: 70'];
    const extra = [...(method === 'INVITE' || method === 'UPDATE' ? [`Contact: ${this.phone.contact}`] : []), ...headers, ...contentType];
    this.phone.sendRaw([`${method} ${this.uri} SIP/2.0`, `${this.phone.via};branch=z9hG4bK${tag()};rport`, ...hops, this.from, `To: ${this.toValue}`, `Call-ID: ${this.callId}`, `CSeq: ${seq} ${method}`, ...extra], body, method);
  }
}
