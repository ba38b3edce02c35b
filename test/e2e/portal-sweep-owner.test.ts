// What an outside browser sweep of the portal found, as the practice owner
// meets it in Chromium: switches ticked that the server had turned off after
// a plan change; errors far from their field; keyboard focus dropped to the
// top of the page after Save, a confirmation or a tab; a focus ring too faint
// to see; long names pushing the page sideways; a sign-out that said "signed
// out" while the session lived on; a reload at the code step that went back
// to the password; stale notices; a bare "the server answered 500".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR, disableUser } from '../../src/directory/index.ts';
import { fitsWidth, focused, focusRingProblems, LAPTOP, signInAsAdmin, startPortal, TABLET, type PortalHarness } from './portal-harness.ts';

describe('the owner in Chromium after the portal sweep', { timeout: 180_000 }, () => {
  let h: PortalHarness;
  let page: Page;
  const LONG_NAME = 'Maximilianus'.repeat(9) + 'Alexandros'; // 118 characters, no space
  let longId = '';
  let disabledId = '';

  /** A call with the demo owner's API token (the harness has GET only). */
  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${h.base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${h.demo.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  }
  const userOf = (extension: string) => h.demo.extensions.find((e) => e.extension === extension)!;

  beforeAll(async () => {
    h = await startPortal('sotto-sweep-owner-');
    page = h.page;
    const db = h.rt.database.db;
    longId = (await addUser(db, h.demo.practice.id, { email: 'long.name@demo.sotto.invalid', displayName: LONG_NAME.slice(0, 114), role: 'staff', extension: '140' }, CLI_ACTOR)).user.id;
    disabledId = (await addUser(db, h.demo.practice.id, { email: 'gone@demo.sotto.invalid', displayName: 'Left The Practice', role: 'staff', extension: '150' }, CLI_ACTOR)).user.id;
    await disableUser(db, h.demo.practice.id, disabledId, CLI_ACTOR);
    await signInAsAdmin(page, h.base, h.demo, '/practice');
  });
  afterAll(() => h?.close());

  it('re-reads the policy after a plan change: Pro -> Essentials -> Pro leaves transcription and video meetings off, as the server has them', async () => {
    await page.getByRole('heading', { level: 1, name: 'Practice settings' }).waitFor();
    for (const plan of ['Essentials', 'Pro']) {
      await page.getByLabel('Plan tier').selectOption({ label: plan });
      await page.getByRole('button', { name: 'Change plan' }).click();
      await page.getByText(`The plan is now ${plan}.`).waitFor();
    }
    const policy = (await h.apiGet<{ voicemailTranscription: boolean; videoMeetings: boolean }>('/policy')).body;
    expect(policy).toMatchObject({ voicemailTranscription: false, videoMeetings: false });
    expect(await page.getByLabel('Voicemail transcription', { exact: true }).isChecked()).toBe(false);
    expect(await page.getByLabel('Video meetings', { exact: true }).isChecked()).toBe(false);
    // The button went disabled with the change made: the keyboard is on what happened, not on <body>.
    expect(await focused(page)).toMatchObject({ tag: 'p', text: 'The plan is now Pro.' });
  });

  it('keeps a retention error at its field (aria-invalid, described, focused), with the server floor as the minimum', async () => {
    const audit = page.getByRole('spinbutton', { name: 'Audit log' });
    expect(await audit.getAttribute('min')).toBe('2196');
    await audit.fill('30');
    await page.getByRole('button', { name: 'Save' }).click();
    await expect.poll(() => audit.getAttribute('aria-invalid')).toBe('true');
    const problem = page.locator(`#${(await audit.getAttribute('aria-describedby'))!.split(' ')[0]}`);
    expect(await problem.innerText()).toBe('Keep the audit log at least 2196 days (six years): HIPAA requires it.');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'retention-auditDays' });
    expect(await page.locator('.notice.error').count()).toBe(0);
    expect((await h.apiGet<{ retention: { auditDays: number } }>('/policy')).body.retention.auditDays).toBe(2196);

    await audit.fill('2196');
    expect(await audit.getAttribute('aria-invalid')).toBeNull();
    await page.getByRole('spinbutton', { name: 'Voicemail' }).fill('120');
    await page.getByRole('button', { name: 'Save' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Practice settings saved.' }).waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'p', text: 'Practice settings saved.' });
  });

  it("drops the saved PHI-in-email warning once the draft unticks email notifications, and keeps focus after the Voicemail tab's Save", async () => {
    expect((await api('PATCH', '/policy', { emailAttachmentsAllowed: true })).status).toBe(200);
    const billing = userOf('103');
    expect((await api('PATCH', `/users/${billing.userId}/voicemail-settings`, { emailNotifications: true, attachAudio: true })).status).toBe(200);
    await page.goto(`${h.base}/users/${billing.userId}`);
    await page.getByRole('heading', { level: 1, name: 'Billing Office' }).waitFor();
    // A tab chosen: its heading takes the focus (the page's h1 had it), not the link.
    await page.getByRole('navigation', { name: 'User settings' }).getByRole('link', { name: 'Voicemail' }).click();
    const email = page.getByRole('checkbox', { name: 'Email notifications' });
    await email.waitFor();
    expect(await focused(page)).toEqual({ tag: 'h2', id: 'tab-heading', text: 'Voicemail' });
    const warning = page.getByText('Voicemail audio will be attached to email');
    expect(await warning.isVisible()).toBe(true);
    await email.uncheck();
    expect(await warning.count()).toBe(0);
    await page.getByRole('button', { name: 'Save' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Voicemail settings saved.' }).waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'p', text: 'Voicemail settings saved.' });
    await page.getByRole('navigation', { name: 'User settings' }).getByRole('link', { name: 'Profile' }).click();
    await page.getByRole('heading', { level: 2, name: 'Profile' }).waitFor();
    expect(await focused(page)).toEqual({ tag: 'h2', id: 'tab-heading', text: 'Profile' });
  });

  it("puts a device's refused SIP username and label at their fields in words, and Cancel on a disable keeps the keyboard on the row", async () => {
    const rivera = userOf('102');
    await page.goto(`${h.base}/users/${rivera.userId}/devices`);
    const row = page.getByRole('row', { name: new RegExp(`\\b${rivera.sipUsername}\\b`) });
    await row.waitFor();

    const username = page.getByLabel('SIP username');
    await username.fill(userOf('101').sipUsername);
    await page.getByRole('button', { name: 'Add device' }).click();
    await expect.poll(() => username.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#device-username-problem').innerText()).toBe('Another device already uses this SIP username. Choose another, or leave it empty to use the extension number.');
    expect((await username.getAttribute('aria-describedby'))?.split(' ')).toContain('device-username-problem');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'device-username' });
    expect(await page.getByRole('alert').count()).toBe(0);

    await username.fill('');
    const label = page.getByLabel('Label');
    await label.fill('Front\u202Edesk');
    await page.getByRole('button', { name: 'Add device' }).click();
    await expect.poll(() => label.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#device-label-problem').innerText()).toContain('one line of plain text');
    expect(await page.locator('main').innerText()).not.toContain('invalid request');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'device-label' });

    await row.getByRole('button', { name: /^Disable / }).click();
    await row.getByRole('button', { name: 'Cancel' }).click();
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Disable' });
  });

  it("does not offer Add device on a disabled user's Devices tab", async () => {
    await page.goto(`${h.base}/users/${disabledId}/devices`);
    await page.getByRole('heading', { level: 2, name: 'Devices' }).waitFor();
    expect(await page.getByRole('button', { name: 'Add device' }).isDisabled()).toBe(true);
    expect(await page.getByText('This user is disabled: a disabled user cannot have a device added.').isVisible()).toBe(true);
  });

  it('moves focus through "Apply safe defaults": to the confirmation, back on Cancel, to the outcome after applying', async () => {
    await page.getByRole('link', { name: 'HIPAA posture' }).click();
    const apply = page.getByRole('button', { name: 'Apply safe defaults' });
    await apply.focus();
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Yes, apply safe defaults' });
    await page.getByRole('button', { name: 'Cancel' }).focus();
    await page.keyboard.press('Enter');
    expect(await focused(page)).toMatchObject({ tag: 'button', text: 'Apply safe defaults' });
    await page.keyboard.press('Enter');
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Safe defaults applied' }).waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'p', text: 'Safe defaults applied to the practice and every user.' });
  });

  it('says "User not found" for a user address too long to be one, not the router\'s words', async () => {
    await page.goto(`${h.base}/users/${'a'.repeat(150)}`);
    await page.getByRole('heading', { level: 1, name: 'User not found' }).waitFor();
    expect(await page.locator('main').innerText()).not.toContain('invalid request');
  });

  it('wraps a long unbroken name: no sideways scroll on the user page, and the Users table keeps every column in view at 768', async () => {
    try {
      for (const viewport of [LAPTOP, TABLET]) {
        await page.setViewportSize(viewport);
        await page.goto(`${h.base}/users/${longId}`);
        await page.getByRole('heading', { level: 2, name: 'Profile' }).waitFor();
        expect(await fitsWidth(page), `user page at ${viewport.width}`).toBe(true);
      }
      await page.goto(`${h.base}/users`);
      await page.getByRole('link', { name: LONG_NAME.slice(0, 114) }).waitFor();
      expect(await fitsWidth(page)).toBe(true);
      const wrap = page.locator('.table-wrap');
      expect(await wrap.evaluate((w) => w.scrollWidth <= w.clientWidth)).toBe(true);
      for (const column of ['Extension', 'Role', 'Status']) {
        const box = (await page.getByRole('columnheader', { name: column }).boundingBox())!;
        expect(box.x + box.width, column).toBeLessThanOrEqual(TABLET.width);
      }
    } finally {
      await page.setViewportSize(LAPTOP);
    }
  });

  it('draws a focus ring at 3:1 or more against the background around every control', async () => {
    const rivera = userOf('102');
    const findings: string[] = [];
    for (const path of ['/users', `/users/${rivera.userId}`, `/users/${rivera.userId}/devices`, '/practice', '/posture', '/voicemail']) {
      await page.goto(h.base + path);
      await page.getByRole('heading', { level: 1 }).waitFor();
      await page.waitForLoadState('networkidle');
      for (const f of await focusRingProblems(page)) findings.push(`${path}: ${f}`);
    }
    expect(findings).toEqual([]);
  });

  it('says something useful when the server answers 500 without a body it wrote', async () => {
    await page.route('**/api/v1/users', (route) => route.fulfill({ status: 500, contentType: 'text/html', body: '<h1>Internal Server Error</h1>' }));
    try {
      await page.getByRole('link', { name: 'Users', exact: true }).click();
      await expect.poll(() => page.getByRole('alert').innerText()).toBe('Sotto hit an error (500); try again, and if it persists check the server log.');
    } finally {
      await page.unroute('**/api/v1/users');
    }
  });

  it('stays signed in, and says so, when the sign-out cannot reach the server; the session is still live', async () => {
    await page.route('**/api/v1/session', (route) => (route.request().method() === 'DELETE' ? route.abort('connectionrefused') : route.continue()));
    try {
      await page.getByRole('button', { name: 'Sign out' }).click();
      await page.getByRole('alert').filter({ hasText: 'You are still signed in' }).waitFor();
      expect(await page.getByText('You are signed out.').count()).toBe(0);
      expect(await page.getByRole('button', { name: 'Sign out' }).isVisible()).toBe(true);
      expect(await page.evaluate(async () => (await fetch('/api/v1/session')).status)).toBe(200);
    } finally {
      await page.unroute('**/api/v1/session');
    }
  });

  it('signs out; "You are signed out." gives way to a later sign-in error', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Sotto' }).waitFor();
    expect(await page.getByText('You are signed out.').isVisible()).toBe(true);
    await page.getByLabel('Email').fill(h.demo.admin.email);
    await page.getByLabel('Password').fill('not the password');
    await page.getByRole('button', { name: 'Continue' }).click();
    await page.getByRole('alert').waitFor();
    expect(await page.getByText('You are signed out.').count()).toBe(0);
  });

  it('resumes at the code step after a reload, and "Use another account" goes back to the password', async () => {
    const toCodeStep = async () => {
      await page.getByLabel('Email').fill(h.demo.admin.email);
      await page.getByLabel('Password').fill(h.demo.admin.password!);
      await page.getByRole('button', { name: 'Continue' }).click();
      await page.getByLabel('Authentication code').waitFor();
    };
    await toCodeStep();
    await page.reload();
    await page.getByLabel('Authentication code').waitFor();
    await page.getByRole('button', { name: 'Use another account' }).click();
    await page.getByLabel('Password').waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'email' });

    await toCodeStep();
    await page.reload();
    const code = page.getByLabel('Authentication code');
    await code.waitFor();
    const secret = totpSecretFromBase32(h.demo.admin.totpSecret!);
    if (!secret.ok) throw new Error('demo TOTP secret is not base32');
    // The next step's code: the sign-in before this one spent the current step's (a code works once).
    await code.fill(totpAt(secret.value, Date.now() + 30_000));
    await page.getByRole('button', { name: 'Sign in' }).click();
    await page.getByRole('button', { name: 'Sign out' }).waitFor();
  });
});
