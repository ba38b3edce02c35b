/**
 * Throws random and mutated bytes at a running UDP+TCP stack (seeded, so a
 * failure replays): the process must not crash or hang, and the stack must
 * still answer OPTIONS on both transports afterwards.
 */

import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { optionsResponse } from './options-responder.ts';
import { SipStack } from './sip-stack.ts';
import { TcpTransport, UdpTransport } from '../transport/index.ts';
import { optionsText, StreamPeer, UdpPeer } from '../transport/socket-test-support.ts';

function mulberry32(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const SDP = 'v=0\r\no=- 1 1 IN IP4 127.0.0.1\r\ns=-\r\nc=IN IP4 127.0.0.1\r\nt=0 0\r\nm=audio 4000 RTP/AVP 0\r\n';

function seeds(transport: string, port: number): string[] {
  const sentBy = `127.0.0.1:${port}`;
  return [
    optionsText({ transport, sentBy, branch: 'z9hG4bKf1' }),
    optionsText({ transport, sentBy, branch: 'z9hG4bKf2', method: 'REGISTER' }).replace('Content-Length: 0', 'Contact: <sip:101@127.0.0.1>;expires=60\r\nExpires: 60\r\nContent-Length: 0'),
    optionsText({ transport, sentBy, branch: 'z9hG4bKf3', method: 'INVITE' }).replace('Content-Length: 0', `Content-Type: application/sdp\r\nContent-Length: ${SDP.length}`) + SDP,
    `SIP/2.0 200 OK\r\nVia: SIP/2.0/${transport} ${sentBy};branch=z9hG4bKf4\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:a@b>;tag=2\r\nCall-ID: x\r\nCSeq: 1 OPTIONS\r\nContent-Length: 0\r\n\r\n`,
  ];
}

function mutate(base: Buffer, rnd: () => number): Buffer {
  const pick = (n: number): number => Math.floor(rnd() * n);
  const bytes = Buffer.from(base);
  switch (pick(8)) {
    case 0: // random bytes
      return Buffer.from(Array.from({ length: pick(2000) }, () => pick(256)));
    case 1: // flip some bytes
      for (let i = 0; i < 1 + pick(10); i++) bytes[pick(bytes.length)] = pick(256);
      return bytes;
    case 2: // truncate
      return bytes.subarray(0, pick(bytes.length));
    case 3: // duplicate a random slice in place
      {
        const a = pick(bytes.length);
        const b = a + pick(bytes.length - a);
        return Buffer.concat([bytes.subarray(0, b), bytes.subarray(a, b), bytes.subarray(b)]);
      }
    case 4: // a giant header line
      return Buffer.from(bytes.toString('latin1').replace('\r\nMax-Forwards', `\r\nX-Long: ${'a'.repeat(pick(20_000))}\r\nMax-Forwards`), 'latin1');
    case 5: // wild Content-Length
      return Buffer.from(bytes.toString('latin1').replace(/Content-Length: \d+/, `Content-Length: ${['-1', '99999999999', '7', 'abc', ' 1 2'][pick(5)]}`), 'latin1');
    case 6: // CR/LF soup
      for (let i = 0; i < 1 + pick(6); i++) bytes[pick(bytes.length)] = [0x0d, 0x0a, 0x00, 0x20][pick(4)] as number;
      return bytes;
    default: // many headers
      return Buffer.from(bytes.toString('latin1').replace('\r\nMax-Forwards', `${'\r\nVia: SIP/2.0/UDP 1.2.3.4;branch=z9hG4bKv'.repeat(pick(400))}\r\nMax-Forwards`), 'latin1');
  }
}

describe('SIP stack under fuzzed input', () => {
  let stack: SipStack;
  let udp: UdpTransport;
  let tcp: TcpTransport;

  beforeAll(async () => {
    udp = new UdpTransport({ host: '127.0.0.1', port: 0 });
    tcp = new TcpTransport({ host: '127.0.0.1', port: 0 });
    stack = await SipStack.start({ transports: [udp, tcp], user: { onRequest: (tx, req) => tx.respond(optionsResponse(req)) } });
  });
  afterAll(() => stack.close());

  it('survives 3,000 mutated datagrams and 40 mutated TCP streams, then answers OPTIONS on both', async () => {
    const rnd = mulberry32(20261128);
    const phone = await UdpPeer.open();
    const udpSeeds = seeds('UDP', phone.port).map((s) => Buffer.from(s));
    for (let i = 0; i < 3000; i++) {
      phone.send(mutate(udpSeeds[i % udpSeeds.length] as Buffer, rnd), udp.local.port);
      // Let the server drain now and then so the test measures robustness, not buffer size.
      if (i % 200 === 199) await new Promise((r) => setImmediate(r));
    }
    for (let c = 0; c < 40; c++) {
      const peer = await StreamPeer.connect(tcp.local.port);
      const tcpSeeds = seeds('TCP', peer.port).map((s) => Buffer.from(s));
      for (let i = 0; i < 20; i++) peer.send(mutate(tcpSeeds[(c + i) % tcpSeeds.length] as Buffer, rnd));
      peer.close();
    }

    phone.send(optionsText({ transport: 'UDP', sentBy: `127.0.0.1:${phone.port}`, branch: 'z9hG4bKafterfuzz' }), udp.local.port);
    expect(await phone.inbox.find('branch=z9hG4bKafterfuzz')).toMatch(/^SIP\/2\.0 200 OK/);
    phone.close();

    const check = await StreamPeer.connect(tcp.local.port);
    check.send(optionsText({ transport: 'TCP', sentBy: '127.0.0.1', branch: 'z9hG4bKafterfuzztcp' }));
    expect(await check.inbox.find('branch=z9hG4bKafterfuzztcp')).toMatch(/^SIP\/2\.0 200 OK/);
    check.close();
  });
});
