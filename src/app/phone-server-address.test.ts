import { describe, expect, it } from 'vitest';
import type { RouteReading } from '../sip/transport/local-routes.ts';
import { phoneServerAddress } from './phone-server-address.ts';

// A server with loopback, its LAN card (the default route) and a second card toward the lab network.
const lo = [
  { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', internal: true },
  { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', internal: true },
];
const twoCards: RouteReading = {
  table: {
    lo,
    eth1: [{ address: '10.20.0.5', netmask: '255.255.0.0', family: 'IPv4', internal: false }],
    eth0: [
      { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', internal: false },
      { address: '192.168.1.20', netmask: '255.255.255.0', family: 'IPv4', internal: false },
      { address: '2001:db8::20', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', internal: false },
    ],
  },
  defaults: { 4: 'eth0', 6: 'eth0' },
};
const loopbackOnly: RouteReading = { table: { lo }, defaults: {} };
const all = { bind: '0.0.0.0', sipAdvertise: undefined };

describe('phoneServerAddress', () => {
  it('names SOTTO_SIP_ADVERTISE, else a single non-loopback SOTTO_BIND, whoever asks', () => {
    expect(phoneServerAddress({ bind: '0.0.0.0', sipAdvertise: 'pbx.maple.example' }, '127.0.0.1', () => loopbackOnly)).toBe('pbx.maple.example');
    expect(phoneServerAddress({ bind: '10.20.0.5', sipAdvertise: undefined }, '127.0.0.1', () => twoCards)).toBe('10.20.0.5');
  });

  it('names no address when Sotto listens on loopback only: no phone on the network could reach it', () => {
    expect(phoneServerAddress({ bind: '127.0.0.1', sipAdvertise: undefined }, '127.0.0.1', () => twoCards)).toBeUndefined();
    expect(phoneServerAddress({ bind: '::1', sipAdvertise: undefined }, '::1', () => twoCards)).toBeUndefined();
  });

  it('bound to all interfaces, names the card facing the browser when the browser is on the network', () => {
    expect(phoneServerAddress(all, '10.20.7.9', () => twoCards)).toBe('10.20.0.5');
    expect(phoneServerAddress(all, '::ffff:192.168.1.77', () => twoCards)).toBe('192.168.1.20');
    expect(phoneServerAddress(all, '198.51.100.4', () => twoCards)).toBe('192.168.1.20');
  });

  it('bound to all interfaces, names the default route card (never loopback) when the browser is on the server itself', () => {
    for (const client of ['127.0.0.1', '::ffff:127.0.0.1', '::1']) expect(phoneServerAddress(all, client, () => twoCards)).toBe('192.168.1.20');
    // An IPv6-only LAN card, bound to ::: its global address, never the link-local one.
    const v6only: RouteReading = { table: { lo, eth0: twoCards.table['eth0']!.filter((a) => a.family === 'IPv6') }, defaults: { 6: 'eth0' } };
    expect(phoneServerAddress({ bind: '::', sipAdvertise: undefined }, '::1', () => v6only)).toBe('2001:db8::20');
    expect(phoneServerAddress(all, '127.0.0.1', () => v6only)).toBeUndefined();
  });

  it('names no address on a machine with nothing but loopback', () => {
    expect(phoneServerAddress(all, '127.0.0.1', () => loopbackOnly)).toBeUndefined();
    expect(phoneServerAddress(all, '192.168.1.77', () => loopbackOnly)).toBeUndefined();
  });

  it('dual stack (::): an IPv6 browser is still given the IPv4 address desk phones can use; IPv6 only where there is no IPv4', () => {
    for (const bind of ['::']) {
      expect(phoneServerAddress({ bind, sipAdvertise: undefined }, '2001:db8::99', () => twoCards)).toBe('192.168.1.20');
      expect(phoneServerAddress({ bind, sipAdvertise: undefined }, '10.20.7.9', () => twoCards)).toBe('10.20.0.5');
    }
    const v6only: RouteReading = { table: { lo, eth0: [{ address: '2001:db8::20', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', internal: false }] }, defaults: { 6: 'eth0' } };
    expect(phoneServerAddress({ bind: '::', sipAdvertise: undefined }, '2001:db8::99', () => v6only)).toBe('2001:db8::20');
  });

  it('an interface table that cannot be read gives no address instead of failing the device add (its password is shown once)', () => {
    const failing = (): RouteReading => {
      throw new Error('EMFILE');
    };
    expect(phoneServerAddress(all, '10.20.7.9', failing)).toBeUndefined();
  });
});
