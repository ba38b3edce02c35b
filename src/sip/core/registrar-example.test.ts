/**
 * The shape a registrar builds on: one stack on UDP, TCP and TLS answering
 * REGISTER and OPTIONS. Kept as a test so the example in the hand-over
 * report stays true.
 */

import { afterAll, describe, expect, it } from 'vitest';
import { createResponse, getContacts, headerField } from '../message/index.ts';
import { generateSelfSignedCertificate, TcpTransport, TlsTransport, UdpTransport } from '../transport/index.ts';
import { optionsText, StreamPeer, UdpPeer } from '../transport/socket-test-support.ts';
import { optionsResponse, SipStack, type TransactionUser } from './index.ts';

describe('a registrar on the stack', () => {
  const cleanup: (() => unknown)[] = [];
  afterAll(async () => {
    for (const c of cleanup) await c();
  });

  it('answers REGISTER over UDP, TCP and TLS', async () => {
    const { certPem, keyPem } = generateSelfSignedCertificate({ commonName: 'localhost', altNames: ['127.0.0.1'], keyType: 'ec' });
    const registrar: TransactionUser = {
      onRequest(tx, request, source) {
        if (request.method === 'OPTIONS') return void tx.respond(optionsResponse(request));
        if (request.method !== 'REGISTER') return void tx.respond(createResponse(request, 405, undefined, { headers: [headerField('Allow', 'REGISTER, OPTIONS')] }));
        // identify -> authenticate (sip/auth) -> policy -> bind contacts; here: echo the binding.
        const contacts = getContacts(request);
        void source; // source.protocol/address/port/connectionId: where to reach the phone (RFC 5626 flow)
        tx.respond(createResponse(request, 200, undefined, { headers: contacts.length ? [headerField('Contact', '<sip:101@127.0.0.1>;expires=60')] : [] }));
      },
    };
    const stack = await SipStack.start({
      transports: [
        new UdpTransport({ host: '127.0.0.1', port: 0 }),
        new TcpTransport({ host: '127.0.0.1', port: 0 }),
        new TlsTransport({ host: '127.0.0.1', port: 0, cert: certPem, key: keyPem }),
      ],
      user: registrar,
    });
    cleanup.push(() => stack.close());

    const register = (transport: string, branch: string): string =>
      optionsText({ transport, sentBy: '127.0.0.1', branch, method: 'REGISTER' }).replace('Content-Length: 0', 'Contact: <sip:101@127.0.0.1>\r\nExpires: 60\r\nContent-Length: 0');

    const udpPhone = await UdpPeer.open();
    cleanup.push(() => udpPhone.close());
    udpPhone.send(register('UDP', 'z9hG4bKr1'), stack.transport('UDP')?.local.port ?? 0);
    expect(await udpPhone.inbox.at(0)).toMatch(/^SIP\/2\.0 200 OK\r\n[\s\S]*Contact: <sip:101@127\.0\.0\.1>;expires=60\r\n/);

    const tcpPhone = await StreamPeer.connect(stack.transport('TCP')?.local.port ?? 0);
    cleanup.push(() => tcpPhone.close());
    tcpPhone.send(register('TCP', 'z9hG4bKr2'));
    expect(await tcpPhone.inbox.at(0)).toMatch(/^SIP\/2\.0 200 OK\r\n/);

    const tlsPhone = await StreamPeer.connectTls(stack.transport('TLS')?.local.port ?? 0, certPem);
    cleanup.push(() => tlsPhone.close());
    tlsPhone.send(register('TLS', 'z9hG4bKr3'));
    expect(await tlsPhone.inbox.at(0)).toMatch(/^SIP\/2\.0 200 OK\r\n/);
  });
});
