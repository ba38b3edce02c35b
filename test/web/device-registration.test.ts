// What the Devices tab tells an admin to type into a phone.
import { describe, expect, it } from 'vitest';
import { NO_NETWORK_ADDRESS, registrationSettings, registrationText, transportsOf } from '../../web/src/device-registration.ts';

const sip = { username: '101-2', password: 'Abcdefghjkmnpqrs2345', domain: 'cedar.example', server: '192.168.1.20', ports: { udp: 5060, tcp: 5060, tls: 5061 } };

describe('device registration settings', () => {
  it('lists server, domain, user, the once-shown password and the transports, TLS first', () => {
    expect(registrationSettings(sip)).toEqual([
      { name: 'SIP server / registrar', value: '192.168.1.20' },
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

  it('names the address the server gives, and says plainly when there is none (never localhost)', () => {
    const { server: _none, ...unreachable } = sip;
    expect(registrationSettings(unreachable)[0]).toEqual({ name: 'SIP server / registrar', value: NO_NETWORK_ADDRESS, prose: true });
    expect(NO_NETWORK_ADDRESS).toMatch(/^none: this server has no network address a phone could reach/);
    expect(NO_NETWORK_ADDRESS).not.toContain('localhost');
  });

  it('copies every setting as one line each', () => {
    expect(registrationText(registrationSettings(sip)).split('\n')).toHaveLength(5);
  });
});
