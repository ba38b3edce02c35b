// "The phone says No Service": the first thing an IT person checks is
// whether Sotto holds a registration for it. A real phone (sipp) registers
// with the demo's front-desk credentials; the Devices tab flips from "Not
// registered" to "Registered" with the transport, the phone's User-Agent,
// the expiry and (the viewer being an admin) the address it came from; after
// the phone unregisters (Expires: 0, RFC 3261 10.2.2) it is back.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { describeSippRun, freeSipPort, runSipp } from '../support/sip-peers.ts';
import { signInAsAdmin, startPortal, type PortalHarness } from './portal-harness.ts';

describe('the Devices tab shows whether each phone is registered now', { timeout: 120_000 }, () => {
  let h: PortalHarness;
  let localPort = 0;
  beforeAll(async () => {
    h = await startPortal('sotto-device-registration-');
    localPort = await freeSipPort();
  });
  afterAll(async () => {
    await h?.close();
  });

  const frontDesk = () => {
    const ext = h.demo.extensions.find((e) => e.extension === '101');
    if (!ext?.sipPassword) throw new Error('demo has no 101 with its SIP password');
    return ext;
  };
  const phone = async (scenario: 'register-auth' | 'unregister') => {
    const ext = frontDesk();
    const run = await runSipp({
      scenario,
      target: `127.0.0.1:${h.sotto.sip.ports.udp}`,
      transport: 'udp',
      username: ext.sipUsername,
      password: ext.sipPassword!,
      domain: h.demo.sip.domain,
      localPort,
    });
    expect(run.ok, describeSippRun(run)).toBe(true);
  };
  const registrationCell = () => h.page.getByRole('row', { name: /Softphone/ }).getByRole('cell').nth(3);

  it('says Not registered before the phone has registered', async () => {
    await signInAsAdmin(h.page, h.base, h.demo, `/users/${frontDesk().userId}/devices`);
    await h.page.getByRole('columnheader', { name: 'Registration' }).waitFor();
    expect(await registrationCell().innerText()).toBe('Not registered');
  });

  it('says Registered, over UDP, with the User-Agent, the address it came from and until when, once the phone registers', async () => {
    await phone('register-auth');
    await h.page.getByRole('button', { name: 'Check registrations again' }).click();
    await h.page.getByRole('status').filter({ hasText: '1 of 1 device registered' }).waitFor();
    const text = await registrationCell().innerText();
    expect(text).toMatch(/^Registered\s+UDP, sotto-interop-sipp, from 127\.0\.0\.1:(\d+), until \S/);
    expect(text).toContain(`127.0.0.1:${localPort}`);
    const expires = await registrationCell().locator('time').getAttribute('datetime');
    // Expires: 3600 asked and granted (the registrar's maximum).
    expect(Date.parse(expires!)).toBeGreaterThan(Date.now() + 3_000_000);
  });

  it('says Not registered again after the phone unregisters', async () => {
    await phone('unregister');
    await h.page.getByRole('button', { name: 'Check registrations again' }).click();
    await h.page.getByRole('status').filter({ hasText: '0 of 1 device registered' }).waitFor();
    expect(await registrationCell().innerText()).toBe('Not registered');
  });
});
