// An admin manages people in a real browser: adds a user (a refused email
// and a taken extension are said at their fields), finds them listed, edits
// them, gives them a portal password, disables them (their sign-in then
// fails) and enables them again (it works). The person added, signed in as
// a provider, sees none of these controls.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { createPasswordHasher, totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR } from '../../src/directory/index.ts';
import { contrastProblems, fitsWidth, focused, signInAsAdmin, startPortal, TABLET, unlabelledControls, type PortalHarness } from './portal-harness.ts';

interface AuditEvent {
  action: string;
  object: { type: string; id: string } | null;
  details: Record<string, unknown>;
}

describe('an admin adds, edits, disables and enables a user in the portal', { timeout: 180_000 }, () => {
  let h: PortalHarness;
  let other: BrowserContext | undefined;
  beforeAll(async () => {
    h = await startPortal('sotto-user-admin-');
  });
  afterAll(async () => {
    await other?.close();
    await h?.close();
  });

  let userId = '';
  let password = '';
  const EMAIL = 'nina.reyes@clinic.example';

  /** Signs in as the new user in a browser of their own; resolves with the page, or the sign-in page's alert when refused. */
  async function signInAsNina(): Promise<{ page: Page; refusal: string | null }> {
    await other?.close();
    other = await h.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await other.newPage();
    await page.goto(h.base + '/');
    await page.getByLabel('Email').fill(EMAIL);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    const inbox = page.getByRole('heading', { level: 1, name: 'Voicemail inbox' });
    const alert = page.getByRole('alert');
    await inbox.or(alert).first().waitFor();
    return { page, refusal: (await alert.count()) > 0 ? await alert.innerText() : null };
  }

  it('adds a user: problems shown at their fields, then the new page with the voicemail PIN shown once', async () => {
    const { page, base, demo } = h;
    await signInAsAdmin(page, base, demo, '/users');
    await page.getByRole('button', { name: 'Add user' }).click();
    expect(await focused(page)).toMatchObject({ tag: 'h2', text: 'Add a user' });
    const form = page.getByRole('form', { name: 'Add a user' });
    await form.getByLabel('Name').fill('Nina Reyes');
    await form.getByLabel('Email').fill('nina.reyes');
    await form.getByLabel('Role').selectOption('provider');
    await form.getByLabel('Extension').fill('101');
    await form.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => form.getByLabel('Email').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#new-user-email-problem').innerText()).toBe('Enter an email address, such as name@practice.example.');
    expect(await focused(page)).toMatchObject({ tag: 'input', id: 'new-user-email' });
    expect(await unlabelledControls(page)).toEqual([]);

    await form.getByLabel('Email').fill(EMAIL);
    expect(await form.getByLabel('Email').getAttribute('aria-invalid')).toBeNull();
    await form.getByRole('button', { name: 'Add user' }).click();
    await expect.poll(() => form.getByLabel('Extension').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#new-user-extension-problem').innerText()).toBe('Another user already has this extension. Choose another number.');
    expect(await focused(page)).toMatchObject({ id: 'new-user-extension' });
    // Nothing was added by either refusal.
    expect((await h.apiGet<{ items: Array<{ email: string }> }>('/users')).body.items.map((u) => u.email)).not.toContain(EMAIL);

    await form.getByLabel('Extension').fill('120');
    await form.getByRole('button', { name: 'Add user' }).click();
    await page.getByRole('heading', { level: 1, name: 'Nina Reyes' }).waitFor();
    userId = new URL(page.url()).pathname.split('/')[2]!;
    const pin = (await page.getByLabel('Voicemail PIN', { exact: true }).innerText()).trim();
    expect(pin).toMatch(/^[0-9]{4,8}$/);
    expect(await focused(page)).toMatchObject({ tag: 'h3', id: 'voicemail-pin-heading' });
    expect(await page.locator('.credentials .once').innerText()).toContain('it will not be shown again');
    expect(await contrastProblems(page)).toEqual([]);
    await page.getByRole('button', { name: 'Done, I have passed it on' }).click();
    await expect.poll(() => page.getByLabel('Voicemail PIN', { exact: true }).count()).toBe(0);
    expect(await page.locator('main').innerText()).not.toContain(pin);
    // A reload does not bring it back: it was never in the URL or storage.
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Nina Reyes' }).waitFor();
    expect(await page.getByLabel('Voicemail PIN', { exact: true }).count()).toBe(0);
  });

  it('lists the new user on the Users page', async () => {
    const { page } = h;
    await page.getByRole('link', { name: 'Users' }).first().click();
    const row = page.getByRole('row', { name: /Nina Reyes/ });
    await row.waitFor();
    expect(await row.getByRole('cell').allInnerTexts()).toEqual(['120', 'Provider', 'Active']);
  });

  it("edits name, role and extension; the audit log says what changed, not the name", async () => {
    const { page, base } = h;
    await page.goto(`${base}/users/${userId}`);
    await page.getByRole('button', { name: 'Edit details' }).click();
    const form = page.getByRole('form', { name: 'Edit details of Nina Reyes' });
    await form.getByLabel('Name').fill('Nina Reyes-Ortiz');
    await form.getByLabel('Role').selectOption('staff');
    await form.getByLabel('Extension').fill('911');
    await form.getByRole('button', { name: 'Save changes' }).click();
    await expect.poll(() => form.getByLabel('Extension').getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#edit-user-extension-problem').innerText()).toContain('kept for emergency and carrier services');
    await form.getByLabel('Extension').fill('121');
    await form.getByRole('button', { name: 'Save changes' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Saved.' });
    await status.waitFor();
    expect(await status.innerText()).toContain('Extension 120 is now 121');
    await page.getByRole('heading', { level: 1, name: 'Nina Reyes-Ortiz' }).waitFor();
    const facts = await page.locator('dl.facts').first().innerText();
    expect(facts).toContain('121');
    expect(facts).toContain('Staff');
    const events = await h.apiGet<{ items: AuditEvent[] }>(`/audit-events?object=${userId}`);
    const change = events.body.items.find((e) => e.action === 'user.role_change' && e.object?.id === userId);
    expect(change?.details).toEqual({ renamed: true, emailChanged: false, before: { role: 'provider', extension: '120' }, after: { role: 'staff', extension: '121' } });
  });

  it('gives them a portal password; disabling (after a confirmation saying what it does) makes their sign-in fail', async () => {
    const { page } = h;
    await page.getByRole('button', { name: 'Set a new portal password' }).click();
    await page.getByRole('button', { name: 'Yes, set a new password' }).click();
    password = (await page.getByLabel('Portal password').innerText()).trim();
    await page.getByRole('button', { name: 'Done, I have passed it on' }).click();
    expect((await signInAsNina()).refusal).toBeNull();

    await page.getByRole('button', { name: 'Disable user' }).click();
    const confirm = page.getByRole('group', { name: 'Confirm disabling Nina Reyes-Ortiz' });
    const said = await confirm.innerText();
    for (const effect of ['signs them out of the portal everywhere', 'revokes their API tokens', 'drops their registrations', "next registration is refused"]) expect(said).toContain(effect);
    expect(await focused(page)).toMatchObject({ text: 'Yes, disable' });
    await page.setViewportSize(TABLET);
    expect(await fitsWidth(page)).toBe(true);
    await page.setViewportSize({ width: 1280, height: 800 });
    await confirm.getByRole('button', { name: 'Yes, disable' }).click();
    await page.getByRole('status').filter({ hasText: 'is disabled' }).waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'p', text: expect.stringContaining('is disabled') });
    expect(await page.locator('dl.facts').first().innerText()).toContain('Disabled');
    const { refusal } = await signInAsNina();
    expect(refusal).not.toBeNull();
    const users = await h.apiGet<{ items: Array<{ id: string; status: string }> }>('/users');
    expect(users.body.items.find((u) => u.id === userId)?.status).toBe('disabled');
  });

  it('enables them again: they sign in with the same password', async () => {
    const { page } = h;
    await page.getByRole('button', { name: 'Enable user' }).click();
    expect(await page.getByRole('group', { name: 'Confirm enabling Nina Reyes-Ortiz' }).innerText()).toContain('their phones stay disabled');
    await page.getByRole('button', { name: 'Yes, enable' }).click();
    await page.getByRole('status').filter({ hasText: 'is enabled' }).waitFor();
    expect(await page.locator('dl.facts').first().innerText()).toContain('Active');
    expect((await signInAsNina()).refusal).toBeNull();
  });

  it('the new user, signed in as staff, sees no user controls', async () => {
    const { page } = await signInAsNina();
    for (const path of ['/users', `/users/${userId}`]) {
      await page.goto(h.base + path);
      await page.getByText('These pages are for practice owners and administrators.').waitFor();
      for (const name of ['Add user', 'Edit details', 'Disable user']) expect(await page.getByRole('button', { name }).count()).toBe(0);
    }
  });

  it("an administrator is offered no owner role, and no change to the owner's page, with the reason", async () => {
    const adminPassword = 'correct horse battery staple 42';
    await addUser(h.rt.database.db, h.demo.practice.id, { email: 'second.admin@clinic.example', displayName: 'Second Admin', role: 'admin', passwordHash: await createPasswordHasher().hash(adminPassword) }, CLI_ACTOR);
    await other?.close();
    other = await h.browser.newContext({ viewport: { width: 1280, height: 800 } });
    const page = await other.newPage();
    await page.goto(h.base + '/');
    await page.getByLabel('Email').fill('second.admin@clinic.example');
    await page.getByLabel('Password').fill(adminPassword);
    await page.getByRole('button', { name: 'Continue' }).click();
    const key = (await page.getByLabel('Setup key').textContent())!.replace(/\s+/g, '');
    const secret = totpSecretFromBase32(key);
    if (!secret.ok) throw new Error('the setup key shown is not base32');
    await page.getByLabel('Code shown by the app').fill(totpAt(secret.value, Date.now()));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('button', { name: 'I have saved them, continue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();

    await page.getByRole('button', { name: 'Add user' }).click();
    const roles = await page.getByRole('form', { name: 'Add a user' }).getByLabel('Role').locator('option').allInnerTexts();
    expect(roles).toEqual(['Administrator', 'Provider', 'Staff']);
    expect(await page.getByText('Only an owner can make someone an owner.').isVisible()).toBe(true);

    const owner = (await h.apiGet<{ items: Array<{ id: string; email: string }> }>('/users')).body.items.find((u) => u.email === h.demo.admin.email)!;
    await page.goto(`${h.base}/users/${owner.id}`);
    await page.getByRole('heading', { level: 2, name: 'Profile' }).waitFor();
    for (const name of ['Edit details', 'Disable user']) expect(await page.getByRole('button', { name }).count()).toBe(0);
    expect(await page.getByText('Only an owner can change, disable or enable an owner.').count()).toBe(2);
    // Their own page: details yes, disabling themselves no.
    const self = (await h.apiGet<{ items: Array<{ id: string; email: string }> }>('/users')).body.items.find((u) => u.email === 'second.admin@clinic.example')!;
    await page.goto(`${h.base}/users/${self.id}`);
    await page.getByRole('button', { name: 'Edit details' }).waitFor();
    expect(await page.getByRole('button', { name: 'Disable user' }).count()).toBe(0);
    expect(await page.getByText('You cannot disable your own account; another owner or administrator can.').isVisible()).toBe(true);
  });
});
