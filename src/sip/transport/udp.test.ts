import { afterEach, describe, expect, it } from 'vitest';
import { optionsResponse } from '../core/options-responder.ts';
import { SipStack } from '../core/sip-stack.ts';
import { optionsText, UdpPeer } from './socket-test-support.ts';
import { TransportStartError } from './types.ts';
import { UdpTransport } from './udp.ts';

const cleanup: (() => unknown)[] = [];
afterEach(async () => {
  for (const c of cleanup.splice(0)) await c();
});

async function stackOn(host: string): Promise<{ stack: SipStack; udp: UdpTransport }> {
  const udp = new UdpTransport({ host, port: 0 });
  const stack = await SipStack.start({ transports: [udp], user: { onRequest: (tx, req) => tx.respond(optionsResponse(req)) } });
  cleanup.push(() => stack.close());
  return { stack, udp };
}

describe('UDP transport on loopback', () => {
  it('routes the response to the source port named by rport, not to the Via sent-by (RFC 3581)', async () => {
    const { udp } = await stackOn('127.0.0.1');
    const phone = await UdpPeer.open();
    cleanup.push(() => phone.close());
    phone.send(optionsText({ transport: 'UDP', sentBy: '10.1.1.1:5062', branch: 'z9hG4bKudp1' }), udp.local.port);
    const res = await phone.inbox.at(0);
    expect(res).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(res).toContain(`Via: SIP/2.0/UDP 10.1.1.1:5062;branch=z9hG4bKudp1;rport=${phone.port};received=127.0.0.1\r\n`);
  });

  it('works over IPv6', async () => {
    const { udp } = await stackOn('::1');
    const phone = await UdpPeer.open(6);
    cleanup.push(() => phone.close());
    phone.send(optionsText({ transport: 'UDP', sentBy: '[::1]:5062', branch: 'z9hG4bKudp6' }), udp.local.port, '::1');
    expect(await phone.inbox.at(0)).toContain(`Via: SIP/2.0/UDP [::1]:5062;branch=z9hG4bKudp6;rport=${phone.port};received=::1\r\n`);
  });

  it('a dual-stack bind on :: answers IPv4 peers at their plain IPv4 address', async () => {
    const { udp } = await stackOn('::');
    const phone = await UdpPeer.open(4);
    cleanup.push(() => phone.close());
    phone.send(optionsText({ transport: 'UDP', sentBy: '10.1.1.1', branch: 'z9hG4bKdual' }), udp.local.port);
    expect(await phone.inbox.at(0)).toContain(`branch=z9hG4bKdual;rport=${phone.port};received=127.0.0.1\r\n`);
  });

  it('asks the kernel for a large receive buffer', async () => {
    const { udp } = await stackOn('127.0.0.1');
    // Linux doubles the request and caps it at rmem_max; either way well above the ~200 KiB default.
    expect(udp.receiveBufferSize).toBeGreaterThan(1024 * 1024);
  });

  it('answers a malformed request with 400, drops garbage, and still answers OPTIONS', async () => {
    const { udp } = await stackOn('127.0.0.1');
    const phone = await UdpPeer.open();
    cleanup.push(() => phone.close());
    phone.send('\x00\x01garbage\r\n\r\n', udp.local.port);
    phone.send(optionsText({ transport: 'UDP', sentBy: '127.0.0.1', branch: 'z9hG4bKbad' }).replace('CSeq: 1 OPTIONS', 'CSeq: x OPTIONS'), udp.local.port);
    expect(await phone.inbox.at(0)).toMatch(/^SIP\/2\.0 400 /);
    phone.send(optionsText({ transport: 'UDP', sentBy: '127.0.0.1', branch: 'z9hG4bKgood' }), udp.local.port);
    expect(await phone.inbox.at(1)).toMatch(/^SIP\/2\.0 200 OK\r\n/);
    expect(phone.inbox.items).toHaveLength(2);
  });

  it('refuses a port already in use with a typed error', async () => {
    const { udp } = await stackOn('127.0.0.1');
    const second = new UdpTransport({ host: '127.0.0.1', port: udp.local.port });
    await expect(second.start({ onMessage: () => undefined })).rejects.toMatchObject({ code: 'TRANSPORT_ADDRESS_IN_USE' });
    await expect(second.start({ onMessage: () => undefined })).rejects.toBeInstanceOf(TransportStartError);
  });
});
