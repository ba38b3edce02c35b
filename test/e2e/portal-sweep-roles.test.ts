// What an outside browser sweep of the portal found for people other than
// the owner: a new administrator's recovery codes whose heading never took
// focus; an administrator offered "Set a new portal password" on the owner's
// page, which the server always refuses; a provider reading a box by
// break-glass offered "Mark as heard" and "Delete" (always refused, and
// playing to the end tried a mark too) with nothing saying the access was
// break-glass or when it ends; staff told an unknown address was "for
// practice owners".
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { BrowserContext, Page } from 'playwright-core';
import { createPasswordHasher, totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR } from '../../src/directory/index.ts';
import { boxOf, leaveMessage, tone } from '../support/voicemail.ts';
import { focused, LAPTOP, startPortal, type PortalHarness } from './portal-harness.ts';

describe('an administrator, a provider on break-glass and a receptionist after the portal sweep', { timeout: 180_000 }, () => {
  let h: PortalHarness;
  const contexts: BrowserContext[] = [];

  async function api(method: string, path: string, body?: unknown): Promise<{ status: number; body: unknown }> {
    const res = await fetch(`${h.base}/api/v1${path}`, {
      method,
      headers: { authorization: `Bearer ${h.demo.apiToken}`, ...(body === undefined ? {} : { 'content-type': 'application/json' }) },
      ...(body === undefined ? {} : { body: JSON.stringify(body) }),
    });
    return { status: res.status, body: await res.json().catch(() => null) };
  }
  const userOf = (extension: string) => h.demo.extensions.find((e) => e.extension === extension)!;

  /** A fresh browser (its own cookies) signed in with a password; staff and providers need no second factor. */
  async function signIn(email: string, password: string): Promise<Page> {
    const context = await h.browser.newContext({ viewport: LAPTOP });
    contexts.push(context);
    const page = await context.newPage();
    await page.goto(h.base + '/');
    await page.getByLabel('Email').fill(email);
    await page.getByLabel('Password').fill(password);
    await page.getByRole('button', { name: 'Continue' }).click();
    return page;
  }

  async function portalPasswordOf(userId: string): Promise<{ email: string; password: string }> {
    const issued = await api('POST', `/users/${userId}/password`);
    expect(issued.status).toBe(200);
    const user = await api('GET', `/users/${userId}`);
    return { email: (user.body as { email: string }).email, password: (issued.body as { password: string }).password };
  }

  beforeAll(async () => {
    h = await startPortal('sotto-sweep-roles-');
  });
  afterAll(async () => {
    for (const c of contexts) await c.close();
    await h?.close();
  });

  it("focuses the recovery codes' heading once two-factor is on, and offers an administrator no password reset on the owner's page", async () => {
    const password = 'correct horse battery staple 42';
    await addUser(h.rt.database.db, h.demo.practice.id, { email: 'second.admin@demo.sotto.invalid', displayName: 'Second Admin', role: 'admin', passwordHash: await createPasswordHasher().hash(password) }, CLI_ACTOR);
    const page = await signIn('second.admin@demo.sotto.invalid', password);
    await page.getByRole('heading', { level: 1, name: 'Set up two-factor sign-in' }).waitFor();
    const key = (await page.getByLabel('Setup key').textContent())!.replace(/\s+/g, '');
    const secret = totpSecretFromBase32(key);
    if (!secret.ok) throw new Error('the setup key shown is not base32');
    await page.getByLabel('Code shown by the app').fill(totpAt(secret.value, Date.now()));
    await page.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
    await page.getByRole('heading', { level: 1, name: 'Two-factor sign-in is on' }).waitFor();
    expect(await focused(page)).toMatchObject({ tag: 'h1', text: 'Two-factor sign-in is on' });
    await page.getByRole('button', { name: 'I have saved them, continue' }).click();
    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();

    const users = (await api('GET', '/users')).body as { items: Array<{ id: string; email: string }> };
    const owner = users.items.find((u) => u.email === h.demo.admin.email)!;
    await page.goto(`${h.base}/users/${owner.id}`);
    await page.getByRole('heading', { level: 2, name: 'Profile' }).waitFor();
    expect(await page.getByRole('button', { name: 'Set a new portal password' }).count()).toBe(0);
    expect(await page.getByText('Only an owner can give an owner or an administrator a new password.').isVisible()).toBe(true);
    // Staff are theirs to help: the button is there.
    await page.goto(`${h.base}/users/${userOf('101').userId}`);
    await page.getByRole('button', { name: 'Set a new portal password' }).waitFor();
  });

  it('shows a provider on break-glass that the box is read-only and until when, offers no mark or delete, and marks nothing heard when played through', async () => {
    const rivera = await portalPasswordOf(userOf('102').userId);
    const box = await boxOf(h.rt.database.db, h.demo.practice.id, '101');
    const message = await leaveMessage(h.sotto.voicemail!.store, box, tone(1200));
    const page = await signIn(rivera.email, rivera.password);
    await page.getByRole('heading', { level: 1, name: 'Voicemail inbox' }).waitFor();
    const grant = await page.evaluate(async (boxId) => {
      const session = (await (await fetch('/api/v1/session')).json()) as { csrfToken: string };
      const res = await fetch('/api/v1/break-glass', {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-csrf-token': session.csrfToken },
        body: JSON.stringify({ targetType: 'voicemail_box', targetId: boxId, reason: 'Front desk is out and a lab result is waiting', minutes: 30 }),
      });
      return { status: res.status, body: (await res.json()) as { expiresAt: string } };
    }, box.id);
    expect(grant.status).toBe(201);

    const changes: string[] = [];
    page.on('request', (r) => {
      if (r.method() !== 'GET' && r.url().includes('/api/v1/voicemails')) changes.push(`${r.method()} ${new URL(r.url()).pathname}`);
    });
    await page.goto(`${h.base}/voicemail`);
    const notice = page.getByRole('note').filter({ has: page.getByRole('heading', { name: 'Break-glass access: read only' }) });
    await notice.waitFor();
    expect(await notice.getByRole('listitem').innerText()).toMatch(/^Extension 101: until /);
    expect(await notice.locator('time').getAttribute('datetime')).toBe(grant.body.expiresAt);
    const row = page.locator('tr', { has: page.locator(`#vm-open-${message.id}`) });
    expect(await row.getByText('Break-glass, read only').isVisible()).toBe(true);

    await page.locator(`#vm-open-${message.id}`).click();
    const panel = page.getByRole('region', { name: /^Voicemail for 101/ });
    await panel.waitFor();
    expect(await panel.getByText('Break-glass access, read only.').isVisible()).toBe(true);
    expect(await panel.locator('time').getAttribute('datetime')).toBe(grant.body.expiresAt);
    expect(await panel.getByRole('button', { name: 'Mark as heard' }).count()).toBe(0);
    expect(await panel.getByRole('button', { name: 'Delete' }).count()).toBe(0);

    const player = panel.locator('audio');
    await player.waitFor();
    await player.evaluate((a) => new Promise<void>((resolve) => ((a.onended = () => resolve()), void a.play())));
    // A request the page made on "ended" would have reached the server before this one is answered.
    await page.evaluate(async () => void (await fetch('/api/v1/session')));
    expect(changes).toEqual([]);
    // The server records a refused mark as a denied event: there is none, and the message is still new.
    const refused = (await h.apiGet<{ items: Array<{ outcome: string }> }>(`/audit-events?action=voicemail.mark_heard&object=${message.id}`)).body.items;
    expect(refused).toEqual([]);
    const listed = (await h.apiGet<{ items: Array<{ id: string; heard: boolean }> }>('/voicemails')).body.items.find((v) => v.id === message.id);
    expect(listed?.heard).toBe(false);
  });

  it('tells a receptionist an unknown address is "Page not found", not that it is for owners', async () => {
    const frontDesk = await portalPasswordOf(userOf('101').userId);
    const page = await signIn(frontDesk.email, frontDesk.password);
    await page.getByRole('heading', { level: 1, name: 'Voicemail inbox' }).waitFor();
    await page.goto(`${h.base}/nonexistent`);
    await page.getByRole('heading', { level: 1, name: 'Page not found' }).waitFor();
    expect(await page.getByText('These pages are for practice owners and administrators.').count()).toBe(0);
    await page.getByRole('link', { name: 'Go to the voicemail inbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Voicemail inbox' }).waitFor();
  });
});
