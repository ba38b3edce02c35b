import net from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { parseUri } from '../message/index.ts';
import { withContactFallback } from './contact-fallback.ts';
import { TcpTransport } from './tcp.ts';
import type { Destination } from './types.ts';

const uri = (text: string) => {
  const u = parseUri(text);
  if (!u.ok) throw new Error('bad test uri');
  return u.value;
};

const flow = (protocol: Destination['protocol']): Destination => ({ protocol, address: '203.0.113.9', port: 51234 });

describe('withContactFallback', () => {
  it('adds the Contact host and port to a TCP or TLS flow in the same transport', () => {
    expect(withContactFallback(flow('TCP'), uri('sip:103@192.0.2.7:5070;transport=tcp')).fallback).toEqual({ address: '192.0.2.7', port: 5070 });
    expect(withContactFallback(flow('TLS'), uri('sip:103@192.0.2.7:47610;transport=TLS')).fallback).toEqual({ address: '192.0.2.7', port: 47610 });
    expect(withContactFallback(flow('TLS'), uri('sips:103@[2001:db8::1]')).fallback).toEqual({ address: '2001:db8::1', port: 5061 });
    // No transport parameter: the one the phone used.
    expect(withContactFallback(flow('TCP'), uri('sip:103@192.0.2.7')).fallback).toEqual({ address: '192.0.2.7', port: 5060 });
  });

  it('leaves UDP flows, other transports and non-SIP Contacts alone', () => {
    expect(withContactFallback(flow('UDP'), uri('sip:103@192.0.2.7:5070'))).toEqual(flow('UDP'));
    // A TLS phone is never reached in the clear, nor a TCP one over another transport.
    expect(withContactFallback(flow('TLS'), uri('sip:103@192.0.2.7:5070;transport=tcp'))).toEqual(flow('TLS'));
    expect(withContactFallback(flow('TCP'), uri('sip:103@192.0.2.7:5070;transport=udp'))).toEqual(flow('TCP'));
    expect(withContactFallback(flow('TCP'), uri('sips:103@192.0.2.7:5070'))).toEqual(flow('TCP'));
    expect(withContactFallback(flow('TCP'), uri('tel:+15551234567'))).toEqual(flow('TCP'));
  });
});

describe('stream transport with a fallback', () => {
  const cleanup: (() => unknown)[] = [];
  afterEach(async () => {
    for (const c of cleanup.splice(0)) await c();
  });

  /** A phone's listening socket: resolves with the first bytes a connection brings. */
  async function listener(): Promise<{ port: number; received: Promise<string> }> {
    const server = net.createServer();
    cleanup.push(() => new Promise((r) => server.close(r)));
    const received = new Promise<string>((resolve) => server.on('connection', (s) => s.once('data', (d: Buffer) => (resolve(d.toString('latin1')), s.destroy()))));
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return { port: (server.address() as net.AddressInfo).port, received };
  }

  /** A port nobody listens on (the phone's ephemeral source port of a connection now gone). */
  async function deadPort(): Promise<number> {
    const s = net.createServer();
    await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
    const port = (s.address() as net.AddressInfo).port;
    await new Promise((r) => s.close(r));
    return port;
  }

  it('connects to the fallback, not the flow, when no connection to the flow is open', async () => {
    const t = new TcpTransport({ host: '127.0.0.1', port: 0 });
    await t.start({ onMessage: () => {} });
    cleanup.push(() => t.close());
    const phone = await listener();
    const sent = await t.send(Buffer.from('OPTIONS sip:x SIP/2.0\r\n\r\n'), { protocol: 'TCP', address: '127.0.0.1', port: await deadPort(), fallback: { address: '127.0.0.1', port: phone.port } });
    expect(sent.ok).toBe(true);
    expect(await phone.received).toBe('OPTIONS sip:x SIP/2.0\r\n\r\n');
  });

  it('keeps using the flow while its connection is open', async () => {
    let delivered: () => void = () => {};
    const adopted = new Promise<void>((r) => (delivered = r));
    const t = new TcpTransport({ host: '127.0.0.1', port: 0 });
    await t.start({ onMessage: () => delivered() });
    cleanup.push(() => t.close());
    const elsewhere = await listener();
    // The phone's connection, over which it registered.
    const flow = net.connect(t.local.port, '127.0.0.1');
    cleanup.push(() => flow.destroy());
    await new Promise((r) => flow.once('connect', r));
    const back = new Promise<string>((r) => flow.once('data', (d: Buffer) => r(d.toString('latin1'))));
    flow.write('OPTIONS sip:x SIP/2.0\r\nVia: SIP/2.0/TCP 127.0.0.1:1;branch=z9hG4bKx\r\nFrom: <sip:a@b>;tag=1\r\nTo: <sip:x@y>\r\nCall-ID: c\r\nCSeq: 1 OPTIONS\r\nMax-Forwards: 70\r\nContent-Length: 0\r\n\r\n');
    await adopted;
    const sent = await t.send(Buffer.from('NOTIFY sip:x SIP/2.0\r\n\r\n'), { protocol: 'TCP', address: '127.0.0.1', port: flow.localPort!, fallback: { address: '127.0.0.1', port: elsewhere.port } });
    expect(sent.ok).toBe(true);
    expect(await back).toBe('NOTIFY sip:x SIP/2.0\r\n\r\n');
  });

  it('without a fallback still fails on a dead flow (TRANSPORT_CONNECT_FAILED)', async () => {
    const t = new TcpTransport({ host: '127.0.0.1', port: 0 });
    await t.start({ onMessage: () => {} });
    cleanup.push(() => t.close());
    const sent = await t.send(Buffer.from('x'), { protocol: 'TCP', address: '127.0.0.1', port: await deadPort() });
    expect(sent.ok ? undefined : sent.error.code).toBe('TRANSPORT_CONNECT_FAILED');
  });
});
