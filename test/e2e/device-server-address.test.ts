// README: "A new device's settings name the server's network address, not
// `localhost`, when the portal is opened on the server itself." Sotto bound
// to all interfaces (the default SOTTO_BIND), the portal opened at
// 127.0.0.1: the credentials must name an address of this machine that a
// desk phone on the network can reach, or, on a machine with none, say so.
import { networkInterfaces } from 'node:os';
import { isIPv4 } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { NO_NETWORK_ADDRESS } from '../../web/src/device-registration.ts';
import { signInAsAdmin, startPortal, type PortalHarness } from './portal-harness.ts';

/** This machine's IPv4 addresses off loopback: what a phone on the network could reach (0.0.0.0 listens on IPv4). */
function networkAddresses(): string[] {
  return Object.values(networkInterfaces())
    .flatMap((list) => list ?? [])
    .filter((a) => !a.internal && isIPv4(a.address))
    .map((a) => a.address);
}

describe('a device added from a portal opened on the server itself', { timeout: 120_000 }, () => {
  let h: PortalHarness;
  beforeAll(async () => {
    h = await startPortal('sotto-device-address-', { SOTTO_BIND: '0.0.0.0' });
  });
  afterAll(() => h?.close());

  it("names this server's network address as the SIP server, and the practice's domain as the realm", async () => {
    const { page, demo } = h;
    expect(new URL(h.base).hostname).toBe('127.0.0.1');
    const rivera = demo.extensions.find((e) => e.extension === '102')!;
    await signInAsAdmin(page, h.base, demo, `/users/${rivera.userId}/devices`);
    await page.getByLabel('Kind').selectOption('desk_phone');
    await page.getByLabel('Label').fill('Front desk');
    await page.getByRole('button', { name: 'Add device' }).click();
    const credentials = page.getByRole('region', { name: 'SIP credentials for Front desk' });
    await credentials.waitFor();
    const fact = (name: string) => credentials.locator('.fact', { has: page.locator('dt', { hasText: name }) }).locator('dd');
    const server = ((await fact('SIP server / registrar').textContent()) ?? '').trim();
    const expected = networkAddresses();
    if (expected.length > 0) expect(expected).toContain(server);
    else expect(server).toBe(NO_NETWORK_ADDRESS);
    expect(server).not.toMatch(/localhost|^127\./);
    expect(((await fact('Domain / realm').textContent()) ?? '').trim()).toBe(demo.sip.domain);
  });
});
