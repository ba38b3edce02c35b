// A phone registered over TCP or TLS is still reachable after Sotto
// restarts: its registered flow (the phone's ephemeral source port) is gone
// with the old connection, so Sotto opens a new connection to the Contact's
// host and port (RFC 3261 18.1.1), verifying a TLS phone's certificate, and
// the call connects there; the BYE follows the same way. Before this, the
// call went to voicemail at once (the INVITE got a transport error).
import { afterEach, describe, expect, it } from 'vitest';
import { generateSelfSignedCertificate } from '../../src/sip/transport/index.ts';
import { CallPhone, type PhoneTransport } from './call-phone.ts';
import { CallServer, DOMAIN, PASSWORDS } from './call-server.ts';

// Relay ports of this file: 47400-47439 (before and after the restart).
const BEFORE = { min: 47400, max: 47419 };
const AFTER = { min: 47420, max: 47439 };

const phoneCert = generateSelfSignedCertificate({ commonName: '127.0.0.1', altNames: ['127.0.0.1'], keyType: 'ec' });
const closers: Array<{ close(): unknown }> = [];
afterEach(async () => {
  for (const c of closers.splice(0).reverse()) await c.close();
});

describe('TCP and TLS phones after a restart', { timeout: 30_000 }, () => {
  it.each(['TCP', 'TLS'] as PhoneTransport[])('a %s phone is called on its Contact port once its registered connection is gone', async (transport) => {
    const first = await CallServer.start(BEFORE, { phoneCa: phoneCert.certPem });
    const callee = await CallPhone.open({
      server: { host: '127.0.0.1', port: first.port(transport) },
      domain: DOMAIN,
      username: '102',
      password: PASSWORDS['102']!,
      transport,
      ca: first.certPem,
      listen: { cert: phoneCert.certPem, key: phoneCert.keyPem },
    });
    closers.push(callee);
    expect((await callee.register()).status).toBe(200);
    expect(callee.contactPort).not.toBe(callee.port);

    // Sotto restarts: its connections close; the binding (the flow it came on, and the Contact) stays.
    await first.close();
    const server = await CallServer.start(AFTER, { store: first.store, phoneCa: phoneCert.certPem });
    closers.push(server);

    const caller = await server.phone('101');
    const ma = await server.media();
    const mb = await server.media();
    callee.incoming = { kind: 'answer', sdp: (offer) => mb.answer(offer, { codecs: ['PCMU'], srtp: /^a=crypto:/m.test(offer) }) };
    const call = await caller.call('102', ma.offer({ codecs: ['PCMU'] }));
    const ok = await caller.waitResponse('INVITE', 200, 1);
    expect(ok.status).toBe(200);
    expect(server.unavailable).toEqual([]);
    call.ack2xx(ok);
    await callee.waitRequest('ACK');
    // The INVITE came on a connection Sotto opened to the Contact's port.
    expect(callee.lastInviteOn).toBe(callee.contactPort);

    call.bye();
    await callee.waitRequest('BYE');
    expect((await caller.waitResponse('BYE')).status).toBe(200);
    expect(callee.flow).toEqual(['< INVITE', '> 180', '> 200', '< ACK', '< BYE', '> 200']);
  });
});
