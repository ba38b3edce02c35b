// Bare UDP phones for the native relay's tests (native-relay*.test.ts): a
// socket that keeps what it hears, a phone's RTP/RTCP pair, and the RTP,
// RTCP and SDP they send, so each test can say exactly which bytes left
// from where.
import { createSocket, type Socket } from 'node:dgram';

export interface Heard {
  readonly bytes: Buffer;
  readonly from: number;
  readonly address: string;
}

/** A phone's socket: keeps what it hears, with a promise for the next thing heard. */
export class Endpoint {
  readonly heard: Heard[] = [];
  private waiters: { n: number; resolve: () => void }[] = [];
  constructor(
    readonly socket: Socket,
    readonly address: string,
    readonly port: number,
  ) {
    socket.on('message', (bytes, r) => {
      this.heard.push({ bytes, from: r.port, address: r.address });
      this.waiters = this.waiters.filter((w) => (this.heard.length >= w.n ? (w.resolve(), false) : true));
    });
  }
  static async open(address = '127.0.0.1', port = 0): Promise<Endpoint> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, address, () => resolve());
    });
    return new Endpoint(socket, address, socket.address().port);
  }
  /** Settles once `n` datagrams in all have been heard. */
  until(n: number): Promise<void> {
    return this.heard.length >= n ? Promise.resolve() : new Promise((resolve) => this.waiters.push({ n, resolve }));
  }
  send(bytes: Buffer, port: number): Promise<void> {
    return new Promise((resolve) => this.socket.send(bytes, port, '127.0.0.1', () => resolve()));
  }
  close(): void {
    this.socket.close();
  }
}

/** A phone with RTP on an even port and RTCP on the one above, as SDP without a=rtcp implies. */
export async function openPhone(): Promise<{ rtp: Endpoint; rtcp: Endpoint }> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const base = 50000 + 2 * Math.floor(Math.random() * 4000);
    try {
      const rtp = await Endpoint.open('127.0.0.1', base);
      try {
        return { rtp, rtcp: await Endpoint.open('127.0.0.1', base + 1) };
      } catch {
        rtp.close();
      }
    } catch {
      // taken: try another pair
    }
  }
  throw new Error('no free port pair for a test phone');
}

/** Two phones (caller side a, callee side b), their sockets kept in `opened` for the test file to close. */
export async function openPair(opened: Endpoint[]): Promise<{ a: { rtp: Endpoint; rtcp: Endpoint }; b: { rtp: Endpoint; rtcp: Endpoint } }> {
  const a = await openPhone();
  const b = await openPhone();
  opened.push(a.rtp, a.rtcp, b.rtp, b.rtcp);
  return { a, b };
}

export const sdp = (port: number, direction = 'sendrecv') =>
  `v=0\r\no=- ${port} 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio ${port} RTP/AVP 0 101\r\na=rtpmap:0 PCMU/8000\r\na=rtpmap:101 telephone-event/8000\r\na=fmtp:101 0-16\r\na=ptime:20\r\na=${direction}\r\n`;
export const portOf = (text: string) => Number(/m=audio (\d+)/.exec(text)![1]);

/** One RTP packet: payload type, sequence number, SSRC, and a payload that names its sender. */
export function rtp(seq: number, ssrc: number, fill: number, pt = 0): Buffer {
  const b = Buffer.alloc(172, fill);
  b[0] = 0x80;
  b[1] = pt;
  b.writeUInt16BE(seq & 0xffff, 2);
  b.writeUInt32BE((seq * 160) >>> 0, 4);
  b.writeUInt32BE(ssrc, 8);
  return b;
}

/** An RTCP receiver report (RFC 3550 §6.4.2) with no report blocks, then an SDES-less padding word. */
export function rtcpReport(ssrc: number): Buffer {
  const b = Buffer.alloc(8);
  b[0] = 0x80;
  b[1] = 201;
  b.writeUInt16BE(1, 2);
  b.writeUInt32BE(ssrc, 4);
  return b;
}
