// What the Devices tab tells an admin to type into a phone.
import { describe, expect, it } from 'vitest';
import { registrationSettings, registrationText, transportsOf } from '../../web/src/device-registration.ts';

const sip = { username: '101-2', password: 'Abcdefghjkmnpqrs2345', domain: 'cedar.example', ports: { udp: 5060, tcp: 5060, tls: 5061 } };

describe('device registration settings', () => {
  it('lists server, domain, user, the once-shown password and the transports, TLS first', () => {
    expect(registrationSettings(sip, 'pbx.cedar.example')).toEqual([
      { name: 'SIP server / registrar', value: 'pbx.cedar.example' },
      { name: 'Domain / realm', value: 'cedar.example' },
      { name: 'User name / auth user', value: '101-2' },
      { name: 'Password', value: 'Abcdefghjkmnpqrs2345', secret: true },
      { name: 'Transport', value: 'TLS, port 5061 (preferred where the phone supports it); UDP, port 5060; TCP, port 5060', prose: true },
    ]);
  });

  it('leaves out a transport that is not listening, and falls back to the standard ports when unknown', () => {
    expect(transportsOf({ ...sip, ports: { udp: 5080, tcp: 5080, tls: 0 } })).toEqual(['UDP, port 5080', 'TCP, port 5080']);
    const { ports: _none, ...withoutPorts } = sip;
    expect(transportsOf(withoutPorts)).toEqual(['UDP or TCP, port 5060', 'TLS, port 5061 (preferred where the phone supports it)']);
  });

  it("does not tell a desk phone to register at localhost when the portal was opened on the server itself", () => {
    for (const host of ['localhost', '127.0.0.1', '[::1]', 'LOCALHOST']) {
      const server = registrationSettings(sip, host)[0]!;
      expect(server).toEqual({ name: 'SIP server / registrar', value: expect.stringContaining("this server's address on your network"), prose: true });
    }
    expect(registrationSettings(sip, '192.168.1.20')[0]).toEqual({ name: 'SIP server / registrar', value: '192.168.1.20' });
    expect(registrationSettings(sip, '127.example.com')[0]!.value).toBe('127.example.com');
  });

  it('copies every setting as one line each', () => {
    expect(registrationText(registrationSettings(sip, 'h')).split('\n')).toHaveLength(5);
  });
});
