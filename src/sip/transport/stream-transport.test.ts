import { afterEach, beforeAll, describe, expect, it } from 'vitest';
import { optionsResponse } from '../core/options-responder.ts';
import { SipStack } from '../core/sip-stack.ts';
import { parseMessage, type SipRequest } from '../message/index.ts';
import type { ServerTransaction } from '../transaction/index.ts';
import { generateSelfSignedCertificate, type SelfSignedCertificate } from './self-signed-certificate.ts';
import { optionsText, StreamPeer } from './socket-test-support.ts';
import { TcpTransport } from './tcp.ts';
import { TlsTransport } from './tls.ts';
import type { MessageSource, Transport } from './types.ts';
import type { SipLogger } from './log.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

let cert: SelfSignedCertificate;
beforeAll(() => {
  cert = generateSelfSignedCertificate({ commonName: 'localhost', altNames: ['127.0.0.1'], keyType: 'ec' });
});

interface Started {
  stack: SipStack;
  transport: Transport;
  requests: { tx: ServerTransaction; request: SipRequest; source: MessageSource }[];
}

async function start(transport: Transport): Promise<Started> {
  const requests: Started['requests'] = [];
  const stack = await SipStack.start({
    transports: [transport],
    user: {
      onRequest: (tx, request, source) => {
        requests.push({ tx, request, source });
        tx.respond(optionsResponse(request));
      },
    },
  });
  cleanup.push(() => stack.close());
  return { stack, transport, requests };
}

const tcp = (o: Partial<ConstructorParameters<typeof TcpTransport>[0]> = {}) => new TcpTransport({ host: '127.0.0.1', port: 0, ...o });

async function connect(t: Transport): Promise<StreamPeer> {
  const peer = t.protocol === 'TLS' ? await StreamPeer.connectTls(t.local.port, cert.certPem) : await StreamPeer.connect(t.local.port);
  cleanup.push(() => peer.close());
  return peer;
}

describe.each(['TCP', 'TLS'] as const)('%s transport on loopback', (protocol) => {
  const make = (o: { idleTimeoutMs?: number; maxConnectionsPerIp?: number; logger?: SipLogger; now?: () => number } = {}): Transport =>
    protocol === 'TCP' ? tcp(o) : new TlsTransport({ host: '127.0.0.1', port: 0, cert: cert.certPem, key: cert.keyPem, ...o });

  it('answers over the connection the request came on, with received and rport stamped', async () => {
    const { transport } = await start(make());
    const phone = await connect(transport);
    phone.send(optionsText({ transport: protocol, sentBy: '10.0.0.5:5070', branch: 'z9hG4bKs1' }));
    const res = await phone.inbox.at(0);
    expect(res).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(res).toContain(`Via: SIP/2.0/${protocol} 10.0.0.5:5070;branch=z9hG4bKs1;rport=${phone.port};received=127.0.0.1\r\n`);
  });

  it('answers a CRLFCRLF keep-alive ping with one CRLF (RFC 5626 3.5.1)', async () => {
    const { transport } = await start(make());
    const phone = await connect(transport);
    phone.send('\r\n\r\n');
    phone.send(optionsText({ transport: protocol, sentBy: '127.0.0.1', branch: 'z9hG4bKka' }));
    await phone.inbox.at(0);
    expect(phone.raw.startsWith('\r\nSIP/2.0 200 OK\r\n')).toBe(true);
  });

  it('closes an idle connection', async () => {
    const { transport } = await start(make({ idleTimeoutMs: 100 }));
    const phone = await connect(transport);
    await phone.closed;
    expect(phone.socket.destroyed).toBe(true);
  });

  it('caps connections per IP; the capped ones are closed, the others keep working, and the refusals are logged once a second with a count', async () => {
    const warnings: Array<Record<string, unknown>> = [];
    const logger: SipLogger = { debug: () => {}, warn: (fields) => void warnings.push(fields) };
    // The log window's clock, held still: six refusals fall in one second of it however slow the box.
    const { transport } = await start(make({ maxConnectionsPerIp: 2, logger, now: () => 1_000_000 }));
    const first = await connect(transport);
    const second = await connect(transport);
    for (let i = 0; i < 6; i++) {
      const over = await connect(transport).catch(() => undefined);
      if (over) await over.closed;
    }
    for (const [i, p] of [first, second].entries()) {
      p.send(optionsText({ transport: protocol, sentBy: '127.0.0.1', branch: `z9hG4bKcap${i}` }));
      expect(await p.inbox.at(0)).toMatch(/^SIP\/2\.0 200 OK/);
    }
    // Six refused: a line each before; now one for the second.
    expect(warnings.filter((w) => w.code === 'SIP_CONNECTION_LIMIT')).toEqual([{ code: 'SIP_CONNECTION_LIMIT', protocol, suppressedSinceLast: 0 }]);
  });

  it('answers a malformed request with 400 and still answers OPTIONS afterwards', async () => {
    const { transport } = await start(make());
    const phone = await connect(transport);
    phone.send(optionsText({ transport: protocol, sentBy: '127.0.0.1', branch: 'z9hG4bKm1' }).replace('To: <sip:sotto@example.com>', 'To: sip:<broken'));
    expect(await phone.inbox.at(0)).toMatch(/^SIP\/2\.0 400 /);
    phone.send(optionsText({ transport: protocol, sentBy: '127.0.0.1', branch: 'z9hG4bKm2' }));
    expect(await phone.inbox.at(1)).toMatch(/^SIP\/2\.0 200 OK/);
    // An unframeable stream (negative Content-Length) is answered and closed; a new connection works.
    phone.send(optionsText({ transport: protocol, sentBy: '127.0.0.1', branch: 'z9hG4bKm3' }).replace('Content-Length: 0', 'Content-Length: -5'));
    expect(await phone.inbox.at(2)).toMatch(/^SIP\/2\.0 400 /);
    await phone.closed;
    const again = await connect(transport);
    again.send(optionsText({ transport: protocol, sentBy: '127.0.0.1', branch: 'z9hG4bKm4' }));
    expect(await again.inbox.at(0)).toMatch(/^SIP\/2\.0 200 OK/);
  });

  it('reaches a phone over the connection it opened (connection reuse by source)', async () => {
    const { stack, transport, requests } = await start(make());
    const phone = await connect(transport);
    phone.send(optionsText({ transport: protocol, sentBy: '10.0.0.5:5070', branch: 'z9hG4bKreg', method: 'REGISTER' }));
    await phone.inbox.at(0);
    const source = requests[0]?.source as MessageSource;
    const request = parseMessage(Buffer.from(optionsText({ transport: protocol, sentBy: 'x', branch: 'unused' }))) as { ok: true; value: SipRequest };
    const withoutVia = { ...request.value, headers: request.value.headers.filter((h) => h.name !== 'Via') };
    stack.sendRequest(withoutVia, { protocol, address: source.address, port: source.port }, { onResponse: () => undefined, onTimeout: () => undefined, onTransportError: () => undefined });
    expect(await phone.inbox.at(1)).toMatch(/^OPTIONS sip:sotto@127\.0\.0\.1 SIP\/2\.0\r\nVia: SIP\/2\.0\/(TCP|TLS) /);
  });
});

describe('outgoing connection reuse', () => {
  it('sends successive requests to one peer over one connection', async () => {
    const server = await start(tcp());
    const uac = await SipStack.start({ transports: [tcp()], user: { onRequest: () => undefined } });
    cleanup.push(() => uac.close());
    const request = parseMessage(Buffer.from(optionsText({ transport: 'TCP', sentBy: 'x', branch: 'unused' }))) as { ok: true; value: SipRequest };
    const withoutVia = { ...request.value, headers: request.value.headers.filter((h) => h.name !== 'Via') };
    const to = { protocol: 'TCP' as const, address: '127.0.0.1', port: server.transport.local.port };
    expect((await uac.request(withoutVia, to)).status).toBe(200);
    expect((await uac.request(withoutVia, to)).status).toBe(200);
    expect(server.requests.map((r) => r.source.connectionId)).toEqual(['tcp-1', 'tcp-1']);
  });
});

describe('TLS specifics', () => {
  it('refuses TLS 1.1 clients', async () => {
    const { transport } = await start(new TlsTransport({ host: '127.0.0.1', port: 0, cert: cert.certPem, key: cert.keyPem }));
    await expect(StreamPeer.connectTls(transport.local.port, cert.certPem, { maxVersion: 'TLSv1.1', minVersion: 'TLSv1' })).rejects.toBeDefined();
  });

  it('opens outgoing TLS connections that verify the peer certificate', async () => {
    const server = await start(new TlsTransport({ host: '127.0.0.1', port: 0, cert: cert.certPem, key: cert.keyPem }));
    const client = new TlsTransport({ host: '127.0.0.1', port: 0, cert: cert.certPem, key: cert.keyPem, ca: cert.certPem });
    const uac = await SipStack.start({ transports: [client], user: { onRequest: () => undefined } });
    cleanup.push(() => uac.close());
    const request = parseMessage(Buffer.from(optionsText({ transport: 'TLS', sentBy: 'x', branch: 'unused' }))) as { ok: true; value: SipRequest };
    const withoutVia = { ...request.value, headers: request.value.headers.filter((h) => h.name !== 'Via') };
    const res = await uac.request(withoutVia, { protocol: 'TLS', address: '127.0.0.1', port: server.transport.local.port });
    expect(res.status).toBe(200);
  });
});
