import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { CONFIRM_MS, defaultRouteInterface, LocalRoutes, REREAD_MS, type InterfaceTable, type RouteReading } from './local-routes.ts';

// A server with two networks: the front desk's (default route) and the phones' VLAN.
const TABLE: InterfaceTable = {
  lo: [
    { address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', internal: true },
    { address: '::1', netmask: 'ffff:ffff:ffff:ffff:ffff:ffff:ffff:ffff', family: 'IPv6', internal: true },
  ],
  eth0: [
    { address: '192.0.2.10', netmask: '255.255.255.0', family: 'IPv4', internal: false },
    { address: '2001:db8:1::10', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', internal: false },
    { address: 'fe80::1', netmask: 'ffff:ffff:ffff:ffff::', family: 'IPv6', internal: false },
  ],
  eth1: [
    { address: '10.20.0.1', netmask: '255.255.0.0', family: 'IPv4', internal: false },
    { address: '10.20.30.1', netmask: '255.255.255.0', family: 'IPv4', internal: false },
  ],
};

describe('LocalRoutes', () => {
  const routes = LocalRoutes.from(TABLE, { 4: 'eth0', 6: 'eth0' });

  it.each([
    ['a phone on the phones VLAN', '10.20.4.5', '10.20.0.1'],
    ['the longest prefix when subnets nest', '10.20.30.7', '10.20.30.1'],
    ['a phone on the office LAN', '192.0.2.77', '192.0.2.10'],
    ['a softphone on this machine (loopback)', '127.0.0.1', '127.0.0.1'],
    ['another loopback address', '127.0.0.9', '127.0.0.1'],
    ['one of our own addresses', '10.20.30.1', '10.20.30.1'],
    ['a dual-stack socket’s mapped IPv4', '::ffff:10.20.9.9', '10.20.0.1'],
    ['a trunk on the internet: the default route', '198.51.100.5', '192.0.2.10'],
    ['an IPv6 peer on the LAN', '2001:db8:1::99', '2001:db8:1::10'],
    ['an IPv6 peer elsewhere: the default route, never link-local', '2001:db8:9::1', '2001:db8:1::10'],
    ['IPv6 loopback', '::1', '::1'],
  ])('%s: %s -> %s', (_what, peer, expected) => {
    expect(routes.toward(peer)).toBe(expected);
    // Cached: the same answer again.
    expect(routes.toward(peer)).toBe(expected);
  });

  it('without a default route, the first external address; without one, loopback', () => {
    expect(LocalRoutes.from(TABLE, {}).toward('198.51.100.5')).toBe('192.0.2.10');
    expect(LocalRoutes.from({ lo: TABLE.lo }, {}).toward('198.51.100.5')).toBe('127.0.0.1');
  });

  describe('read again while running', () => {
    // The office LAN's card renewed its DHCP lease onto another subnet; later a VPN came up.
    const renewed: InterfaceTable = { ...TABLE, eth0: [{ address: '192.0.3.20', netmask: '255.255.255.0', family: 'IPv4', internal: false }] };
    const withVpn: InterfaceTable = { ...renewed, tun0: [{ address: '172.16.5.1', netmask: '255.255.255.0', family: 'IPv4', internal: false }] };

    function machine(first: RouteReading) {
      let clock = 1_000;
      let reading: RouteReading | Error = first;
      let reads = 0;
      const routes = LocalRoutes.read({
        now: () => clock,
        source: () => {
          reads++;
          if (reading instanceof Error) throw reading;
          return reading;
        },
      });
      return {
        routes,
        advance: (ms: number) => (clock += ms),
        become: (next: RouteReading | Error) => (reading = next),
        reads: () => reads,
      };
    }

    it('a phone is told the new address once a reading REREAD_MS old has changed and a second one CONFIRM_MS later agrees', () => {
      const m = machine({ table: TABLE, defaults: { 4: 'eth0' } });
      expect(m.routes.toward('192.0.3.44')).toBe('192.0.2.10'); // off every subnet: the default route's card
      m.become({ table: renewed, defaults: { 4: 'eth0' } });
      m.advance(REREAD_MS - 1);
      expect(m.routes.toward('192.0.3.44')).toBe('192.0.2.10'); // cached, and the reading is still fresh
      expect(m.reads()).toBe(1);
      m.advance(1);
      expect(m.routes.toward('192.0.3.44')).toBe('192.0.2.10'); // changed, not yet confirmed
      expect(m.reads()).toBe(2);
      m.advance(CONFIRM_MS - 1);
      expect(m.routes.toward('192.0.3.44')).toBe('192.0.2.10');
      expect(m.reads()).toBe(2);
      m.advance(1);
      expect(m.routes.toward('192.0.3.44')).toBe('192.0.3.20');
      expect(m.reads()).toBe(3);
      // A new card's subnet is answered from it; the rest as before.
      m.become({ table: withVpn, defaults: { 4: 'eth0' } });
      m.advance(REREAD_MS);
      m.routes.toward('172.16.5.9');
      m.advance(CONFIRM_MS);
      expect(m.routes.toward('172.16.5.9')).toBe('172.16.5.1');
      expect(m.routes.toward('10.20.4.5')).toBe('10.20.0.1');
    });

    it('a card losing its address for a moment (a link flap, a VPN restart) is never taken', () => {
      const m = machine({ table: TABLE, defaults: { 4: 'eth0' } });
      expect(m.routes.toward('198.51.100.5')).toBe('192.0.2.10');
      m.become({ table: { lo: TABLE.lo, eth1: TABLE.eth1 }, defaults: {} });
      m.advance(REREAD_MS);
      expect(m.routes.toward('198.51.100.5')).toBe('192.0.2.10');
      m.become({ table: TABLE, defaults: { 4: 'eth0' } });
      m.advance(CONFIRM_MS);
      expect(m.routes.toward('198.51.100.5')).toBe('192.0.2.10');
      // Back to the normal pace: the next reading comes REREAD_MS later.
      const reads = m.reads();
      m.advance(CONFIRM_MS);
      m.routes.toward('198.51.100.5');
      expect(m.reads()).toBe(reads);
    });

    it('a default route moved to another card is followed', () => {
      const m = machine({ table: TABLE, defaults: { 4: 'eth0' } });
      expect(m.routes.toward('198.51.100.5')).toBe('192.0.2.10');
      m.become({ table: TABLE, defaults: { 4: 'eth1' } });
      m.advance(REREAD_MS);
      m.routes.toward('198.51.100.5');
      m.advance(CONFIRM_MS);
      expect(m.routes.toward('198.51.100.5')).toBe('10.20.0.1');
    });

    it('a reading that fails keeps the table in hand, and is tried again REREAD_MS later', () => {
      const m = machine({ table: TABLE, defaults: { 4: 'eth0' } });
      m.become(new Error('getifaddrs failed'));
      m.advance(REREAD_MS);
      expect(m.routes.toward('10.20.4.5')).toBe('10.20.0.1');
      expect(m.reads()).toBe(2);
      m.become({ table: renewed, defaults: { 4: 'eth0' } });
      m.advance(REREAD_MS);
      m.routes.toward('192.0.3.44');
      m.advance(CONFIRM_MS);
      expect(m.routes.toward('192.0.3.44')).toBe('192.0.3.20');
      expect(m.reads()).toBe(4);
    });

    it('a route table that cannot be read is no reading (not "no default route"); a missing one is', () => {
      const dir = mkdtempSync(join(tmpdir(), 'sotto-routes-'));
      expect(() => defaultRouteInterface(dir, 4)).toThrow(); // EISDIR, as EMFILE would
      expect(defaultRouteInterface(join(dir, 'absent'), 4)).toBeUndefined();
    });

    it('a first reading that fails is retried at the first message', () => {
      let fail = true;
      const routes = LocalRoutes.read({
        now: () => 5,
        source: () => {
          if (fail) throw new Error('no table yet');
          return { table: TABLE, defaults: { 4: 'eth0' } };
        },
      });
      fail = false;
      expect(routes.toward('10.20.4.5')).toBe('10.20.0.1'); // nothing in hand to keep: taken at once
    });

    it('a fixed table (from) is never read again', () => {
      expect(LocalRoutes.from(TABLE, { 4: 'eth0' }).toward('198.51.100.5')).toBe('192.0.2.10');
    });
  });

  it("reads the default route's interface from Linux's route tables", () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-routes-'));
    const v4 = join(dir, 'route');
    writeFileSync(
      v4,
      'Iface\tDestination\tGateway \tFlags\tRefCnt\tUse\tMetric\tMask\t\tMTU\tWindow\tIRTT\n' +
        'eth1\t0000140A\t00000000\t0001\t0\t0\t0\t0000FFFF\t0\t0\t0\n' +
        // A backup uplink listed first, of a higher metric; a route that is down.
        'wwan0\t00000000\t01DEDEC6\t0003\t0\t0\t700\t00000000\t0\t0\t0\n' +
        'eth2\t00000000\t01DEDEC6\t0002\t0\t0\t0\t00000000\t0\t0\t0\n' +
        'eth0\t00000000\t010200C0\t0003\t0\t0\t100\t00000000\t0\t0\t0\n',
    );
    const v6 = join(dir, 'ipv6_route');
    writeFileSync(
      v6,
      '00000000000000000000000000000000 00 00000000000000000000000000000000 00 00000000000000000000000000000000 ffffffff 00000001 00000000 00200200       lo\n' +
        '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000009 00000800 00000001 00000000 00000003    wwan0\n' +
        '00000000000000000000000000000000 00 00000000000000000000000000000000 00 fe800000000000000000000000000001 00000400 00000001 00000000 00000003     eth0\n',
    );
    expect(defaultRouteInterface(v4, 4)).toBe('eth0');
    expect(defaultRouteInterface(v6, 6)).toBe('eth0');
    expect(defaultRouteInterface(join(dir, 'missing'), 4)).toBeUndefined();
  });
});
