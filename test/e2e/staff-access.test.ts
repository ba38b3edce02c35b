// A receptionist in a real browser. An admin gives the demo's front-desk user
// (staff, extension 101) a portal password on the user's Profile tab; the
// receptionist signs in with it in another browser, lands on the voicemail
// inbox, and can reach neither the admin pages nor the admin API with the
// session cookie. Before the Profile tab had this, a user added by an admin
// had no password at all and no way to get one: only the owner could open
// the inbox the notice emails link to.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { fitsWidth, signInAsAdmin, startPortal, TABLET, type PortalHarness } from './portal-harness.ts';

describe('a receptionist signs in with the password an admin gave them, and stays out of the admin pages', { timeout: 120_000 }, () => {
  let h: PortalHarness;
  let staffContext: BrowserContext | undefined;
  beforeAll(async () => {
    h = await startPortal('sotto-staff-access-');
  });
  afterAll(async () => {
    await staffContext?.close();
    await h?.close();
  });

  let password = '';
  const frontDesk = () => {
    const ext = h.demo.extensions.find((e) => e.extension === '101');
    if (!ext) throw new Error('demo has no 101');
    return ext;
  };

  it("gives the front desk a portal password on the Profile tab, shown once", async () => {
    const { page, base } = h;
    await signInAsAdmin(page, base, h.demo, `/users/${frontDesk().userId}`);
    await page.getByRole('button', { name: 'Set a new portal password' }).click();
    await page.getByRole('button', { name: 'Yes, set a new password' }).click();
    password = (await page.getByLabel('Portal password').innerText()).trim();
    expect(password).toMatch(/^[A-Za-z2-9]{20}$/);
    await page.setViewportSize(TABLET);
    expect(await fitsWidth(page)).toBe(true);
    await page.getByRole('button', { name: 'Done, I have passed it on' }).click();
    await expect.poll(() => page.getByLabel('Portal password').count()).toBe(0);
    expect(await page.locator('main').innerText()).not.toContain(password);
  });

  it('signs the receptionist in (no authenticator needed for staff) onto the voicemail inbox', async () => {
    staffContext = await h.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await staffContext.newPage();
    const users = await h.apiGet<{ items: Array<{ id: string; email: string }> }>('/users');
    const email = users.body.items.find((u) => u.id === frontDesk().userId)?.email;
    if (!email) throw new Error('front desk has no email');
    await page.goto(h.base + '/');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Voicemail inbox' }).waitFor();
    expect(await page.getByRole('navigation', { name: 'Main' }).getByRole('link').allInnerTexts()).toEqual(['Voicemail inbox', 'Account security']);
    // Break-glass is for providers and admins: a receptionist is not offered it.
    await page.locator('.empty-state, table').first().waitFor();
    expect(await page.getByRole('button', { name: 'Open with break-glass' }).count()).toBe(0);
    await checkAdminClosed(page);
  });

  async function checkAdminClosed(page: Page): Promise<void> {
    for (const path of ['/users', `/users/${frontDesk().userId}/devices`, '/practice', '/posture', '/audit']) {
      await page.goto(h.base + path);
      await page.getByText('These pages are for practice owners and administrators.').waitFor();
    }
    // The API refuses the same session, whatever the page shows.
    const statuses = await page.evaluate(async (userId) => {
      const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const csrf = { 'x-csrf-token': session.csrfToken };
      const calls: Array<[string, string, unknown?]> = [
        ['GET', '/api/v1/users'],
        ['GET', '/api/v1/audit-events'],
        ['GET', '/api/v1/compliance/posture'],
        ['PATCH', '/api/v1/policy', { texting: true }],
        ['PATCH', '/api/v1/practice', { tier: 'pro-plus' }],
        ['POST', `/api/v1/users/${userId}/password`],
        ['POST', '/api/v1/compliance/apply-safe-defaults'],
      ];
      const out: string[] = [];
      for (const [method, url, body] of calls) {
        const r = await fetch(url, body === undefined ? { method, headers: csrf } : { method, headers: { ...csrf, 'content-type': 'application/json' }, body: JSON.stringify(body) });
        out.push(`${method} ${url} ${r.status}`);
      }
      return out;
    }, frontDesk().userId);
    expect(statuses.map((s) => s.replace(/\/users\/[^/]+\//, '/users/ID/'))).toEqual([
      'GET /api/v1/users 403',
      'GET /api/v1/audit-events 403',
      'GET /api/v1/compliance/posture 403',
      'PATCH /api/v1/policy 403',
      'PATCH /api/v1/practice 403',
      'POST /api/v1/users/ID/password 403',
      'POST /api/v1/compliance/apply-safe-defaults 403',
    ]);
  }
});
