// The two account controls in a real browser. The demo owner changes their
// own password on Account security (before, no page, route or command let
// anyone do so), and resets an office manager's two-step sign-in from the
// manager's Profile tab after a lost phone (the Account security page
// promised it; nothing did it). And the owner, who has no recovery codes
// (the demo enrols an authenticator without them), makes a set with a code
// from the app.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator, Page } from 'playwright-core';
import { createPasswordHasher, createTotpSecretBox, generateTotpSecret, OWASP_MINIMUM, totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR, enrolTotpIfAbsent, findUserByEmail, getSecondFactor } from '../../src/directory/index.ts';
import { contrastProblems, fitsWidth, signInAsAdmin, startPortal, TABLET, LAPTOP, unlabelledControls, type PortalHarness } from './portal-harness.ts';

const NEW_PASSWORD = 'kettle orchard lantern ninety';

const hasFocus = (l: Locator) => l.evaluate((el) => el === el.ownerDocument.activeElement);

async function accessibilityFindings(page: Page): Promise<string[]> {
  const findings = [...(await unlabelledControls(page)).map((c) => `unlabelled ${c}`), ...(await contrastProblems(page)).map((c) => `contrast ${c}`)];
  await page.setViewportSize(TABLET);
  if (!(await fitsWidth(page))) findings.push('scrolls sideways at 768 px');
  await page.setViewportSize(LAPTOP);
  return findings;
}

describe('account security in the portal', { timeout: 120_000 }, () => {
  let h: PortalHarness;
  beforeAll(async () => {
    h = await startPortal('sotto-account-security-');
  });
  afterAll(async () => {
    await h?.close();
  });

  it('changes the signed-in owner’s password: each refusal at its field, then the status line takes focus', async () => {
    const { page, base, demo } = h;
    await signInAsAdmin(page, base, demo);
    // Reached from the main navigation (a security notice's link lands there too).
    await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: 'Account security' }).click();
    await page.getByRole('heading', { level: 1, name: 'Account security' }).waitFor();
    expect(new URL(page.url()).pathname).toBe('/account/security');
    const current = page.getByLabel('Current password');
    const next = page.getByLabel('New password', { exact: true });
    const again = page.getByLabel('New password again');
    const submit = page.getByRole('button', { name: 'Change password' });

    await current.fill('not the password');
    await next.fill(NEW_PASSWORD);
    await again.fill(NEW_PASSWORD);
    await submit.click();
    // Each wait is on what the page shows (the server's argon2 check takes its time).
    await page.locator('#password-current-problem').waitFor();
    expect(await current.getAttribute('aria-invalid')).toBe('true');
    expect(await page.locator('#password-current-problem').innerText()).toBe('That is not your current password.');
    expect(await current.getAttribute('aria-describedby')).toBe('password-current-problem');
    await expect.poll(() => hasFocus(current)).toBe(true);

    await current.fill(demo.admin.password!);
    await next.fill('password1234');
    await again.fill('password1234');
    await submit.click();
    await page.locator('#password-next-problem').waitFor();
    expect(await next.getAttribute('aria-invalid')).toBe('true');
    expect(await current.getAttribute('aria-invalid')).toBeNull();
    expect(await page.locator('#password-next-problem').innerText()).toBe('The new password is not accepted: it is on the list of commonly used passwords.');
    await expect.poll(() => hasFocus(next)).toBe(true);

    await next.fill(NEW_PASSWORD);
    await again.fill(NEW_PASSWORD);
    await submit.click();
    const status = page.getByRole('status').filter({ hasText: 'Your password was changed.' });
    await status.waitFor();
    expect(await status.innerText()).toBe('Your password was changed. You had no other session open. This one stays signed in.');
    await expect.poll(() => hasFocus(status)).toBe(true);
    expect([await current.inputValue(), await next.inputValue(), await again.inputValue()]).toEqual(['', '', '']);
    expect(await accessibilityFindings(page)).toEqual([]);

    // The server agrees: the old password no longer signs in, the new one does (up to the code), and this session goes on.
    const signIn = (password: string) =>
      fetch(`${base}/api/v1/session`, { method: 'POST', headers: { 'content-type': 'application/json', origin: base }, body: JSON.stringify({ email: demo.admin.email, password }) });
    expect((await signIn(demo.admin.password!)).status).toBe(401);
    const fresh = await signIn(NEW_PASSWORD);
    expect([fresh.status, ((await fresh.json()) as { stage: string }).stage]).toEqual([200, 'mfa_pending']);
    await page.getByRole('link', { name: 'Users' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
  });

  it("resets an office manager's two-step sign-in from their Profile tab, after a confirm step; not on one's own page", async () => {
    const { page, base, demo, rt } = h;
    const db = rt.database.db;
    const { user: manager } = await addUser(
      db,
      demo.practice.id,
      { email: 'manager@demo.sotto.invalid', displayName: 'Office Manager', role: 'admin', passwordHash: await createPasswordHasher(OWASP_MINIMUM).hash(NEW_PASSWORD) },
      CLI_ACTOR,
    );
    await enrolTotpIfAbsent(db, demo.practice.id, manager.id, createTotpSecretBox(rt.masterKey).seal(manager.id, generateTotpSecret()), CLI_ACTOR);
    const owner = (await findUserByEmail(db, demo.practice.id, demo.admin.email))!;

    await page.goto(`${base}/users/${owner.id}`);
    await page.getByRole('heading', { level: 1, name: 'Demo Admin' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Profile' }).waitFor();
    expect(await page.getByRole('button', { name: 'Reset two-step sign-in' }).count()).toBe(0);

    await page.goto(`${base}/users/${manager.id}`);
    await page.getByRole('heading', { level: 1, name: 'Office Manager' }).waitFor();
    const start = page.getByRole('button', { name: 'Reset two-step sign-in' });
    await start.click();
    await page.getByRole('button', { name: 'Cancel' }).click();
    await expect.poll(() => hasFocus(start)).toBe(true);
    expect((await getSecondFactor(db, demo.practice.id, manager.id)).totpSecretSealed).not.toBeNull();

    await start.click();
    await page.getByRole('button', { name: 'Yes, reset two-step sign-in' }).click();
    const status = page.getByRole('status').filter({ hasText: 'Two-step sign-in for Office Manager was reset' });
    await status.waitFor();
    expect(await status.innerText()).toBe('Two-step sign-in for Office Manager was reset. They sign in with their password alone, then set up an authenticator app again.');
    await expect.poll(() => hasFocus(status)).toBe(true);
    expect((await getSecondFactor(db, demo.practice.id, manager.id)).totpSecretSealed).toBeNull();
    expect(await accessibilityFindings(page)).toEqual([]);

    const audit = await h.apiGet<{ items: Array<{ actor: { id: string }; object: { id: string } }> }>('/audit-events?action=auth.mfa_reset');
    expect(audit.body.items.map((e) => [e.actor.id, e.object.id])).toEqual([[owner.id, manager.id]]);
  });

  it('makes new recovery codes with a code from the authenticator app: a wrong one is said at the field, the new set shown once', async () => {
    const { page, base, demo, rt } = h;
    const db = rt.database.db;
    const owner = (await findUserByEmail(db, demo.practice.id, demo.admin.email))!;
    const key = totpSecretFromBase32(demo.admin.totpSecret!);
    if (!key.ok) throw new Error('demo TOTP secret is not base32');
    await page.goto(`${base}/account/security`);
    await page.getByRole('heading', { level: 1, name: 'Account security' }).waitFor();
    const section = page.getByRole('region', { name: 'Recovery codes' });
    await section.getByText('Now none of your recovery codes is left.', { exact: false }).waitFor();
    const field = page.getByLabel('Code from your authenticator app');
    const make = page.getByRole('button', { name: 'Make new recovery codes' });

    await field.fill('12');
    await make.click();
    expect(await page.locator('#recovery-totp-problem').innerText()).toBe('Type the 6-digit code your authenticator app shows now.');
    await expect.poll(() => hasFocus(field)).toBe(true);

    // The sign-in spent this step's code; the next step's is one the app shows within 30 s (the server allows one step of drift).
    const next = totpAt(key.value, Date.now() + 30_000);
    await field.fill(next.slice(0, 5) + String((Number(next[5]) + 1) % 10));
    await make.click();
    await page.locator('#recovery-totp-problem').filter({ hasText: 'does not match' }).waitFor();
    expect(await field.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => hasFocus(field)).toBe(true);
    expect((await getSecondFactor(db, demo.practice.id, owner.id)).recoveryCodes).toEqual([]);

    await field.fill(next);
    await make.click();
    const heading = page.getByRole('heading', { level: 3, name: 'Your new recovery codes' });
    await heading.waitFor();
    await expect.poll(() => hasFocus(heading)).toBe(true);
    const shown = await page.getByRole('list', { name: 'New recovery codes' }).getByRole('listitem').allInnerTexts();
    expect(shown).toHaveLength(10);
    expect(await accessibilityFindings(page)).toEqual([]);
    const stored = (await getSecondFactor(db, demo.practice.id, owner.id)).recoveryCodes;
    expect([stored.length, stored.filter((c) => c.usedAt === null).length]).toEqual([10, 10]);
    // Only hashes are kept: no code shown is in the database.
    expect(stored.some((c) => shown.some((code) => c.hash.includes(code)))).toBe(false);

    await page.getByRole('button', { name: 'I have saved them' }).click();
    await section.getByText('Now 10 of your 10 recovery codes are left.', { exact: false }).waitFor();
    expect(await page.getByRole('list', { name: 'New recovery codes' }).count()).toBe(0);
    const audit = await h.apiGet<{ items: Array<{ actor: { id: string }; outcome: string; details: Record<string, unknown> }> }>('/audit-events?action=auth.recovery_codes_regenerate');
    expect(audit.body.items.map((e) => [e.actor.id, e.outcome, e.details])).toEqual([
      [owner.id, 'success', { recoveryCodes: 10, replaced: 0 }],
      [owner.id, 'failure', { reason: 'code_invalid' }],
    ]);
  });
});
