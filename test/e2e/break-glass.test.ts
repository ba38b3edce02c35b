// Emergency access in a real browser. A colleague's voicemail box is closed
// to the demo owner until they open it with break-glass at the foot of the
// inbox: a reason and a length of time, each refusal said at its field; then
// the box's message is listed, read only, with when the access ends, and the
// audit log holds the grant with its reason. Before, only the API could do
// this, so a provider covering for an absent colleague had no way in the
// portal.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Locator } from 'playwright-core';
import { addUser, CLI_ACTOR } from '../../src/directory/index.ts';
import { boxOf, leaveMessage } from '../support/voicemail.ts';
import { contrastProblems, signInAsAdmin, startPortal, unlabelledControls, type PortalHarness } from './portal-harness.ts';

const hasFocus = (l: Locator) => l.evaluate((el) => el === el.ownerDocument.activeElement);

describe('break-glass in the voicemail inbox', { timeout: 120_000 }, () => {
  let h: PortalHarness;
  beforeAll(async () => {
    h = await startPortal('sotto-break-glass-');
  });
  afterAll(async () => {
    await h?.close();
  });

  it("opens a colleague's box for an emergency: read only, until the chosen time, recorded with its reason", async () => {
    const { page, base, demo, rt, sotto } = h;
    const users = (await h.apiGet<{ items: Array<{ id: string; email: string }> }>('/users')).body.items;
    const ownerId = users.find((u) => u.email === demo.admin.email)!.id;
    // A provider whose box the owner was given no grant to (the demo grants its own boxes to the owner).
    await addUser(rt.database.db, demo.practice.id, { email: 'rivera@demo.sotto.invalid', displayName: 'Dr. Rivera', role: 'provider', extension: '150' }, CLI_ACTOR);
    const extensions = (await h.apiGet<{ items: Array<{ number: string; userId: string | null; voicemailBoxId: string | null }> }>('/extensions')).body.items;
    const colleague = extensions.find((e) => e.number === '150')!;
    const message = await leaveMessage(sotto.voicemail.store, await boxOf(rt.database.db, demo.practice.id, colleague.number));

    await signInAsAdmin(page, base, demo, '/voicemails');
    await page.getByRole('heading', { level: 1, name: 'Voicemail inbox' }).waitFor();
    const open = page.getByRole('button', { name: 'Open with break-glass' });
    await open.waitFor();
    expect(await page.locator(`#vm-open-${message.id}`).count()).toBe(0);

    await open.click();
    const box = page.getByLabel('Extension');
    expect(await page.locator('#break-glass-box-problem').innerText()).toBe('Choose the extension whose voicemail you need.');
    expect(await box.getAttribute('aria-invalid')).toBe('true');
    await expect.poll(() => hasFocus(box)).toBe(true);
    expect(await box.locator('option').allInnerTexts()).not.toContain(extensions.find((e) => e.userId === ownerId)?.number ?? '—');

    await box.selectOption({ label: colleague.number });
    const reason = page.getByLabel('Reason');
    await reason.fill('urgent');
    await open.click();
    expect(await page.locator('#break-glass-reason-problem').innerText()).toContain('at least 10 characters');
    await expect.poll(() => hasFocus(reason)).toBe(true);

    await reason.fill('A patient called back about a lab result while Dr. Rivera is away');
    await page.getByLabel('For').selectOption({ label: '30 minutes' });
    await open.click();
    const status = page.getByRole('status').filter({ hasText: 'Break-glass access to extension' });
    await status.waitFor();
    expect(await status.innerText()).toMatch(new RegExp(`^Break-glass access to extension ${colleague.number}'s voicemail is open, read only, until .+\\. Its messages are listed above\\.$`));
    await expect.poll(() => hasFocus(status)).toBe(true);

    // The colleague's message is listed now, marked read only, with when the access ends.
    await page.locator(`#vm-open-${message.id}`).waitFor();
    expect(await page.getByRole('note').filter({ hasText: 'Break-glass access: read only' }).innerText()).toContain(`Extension ${colleague.number}: until`);
    expect(await page.getByRole('row').filter({ has: page.locator(`#vm-open-${message.id}`) }).innerText()).toContain('Break-glass, read only');
    expect([...(await unlabelledControls(page)), ...(await contrastProblems(page))]).toEqual([]);

    // The grant is on the audit log, with its reason, for the admins; and it lasts the 30 minutes chosen.
    const audit = await h.apiGet<{ items: Array<{ action: string; actor: { id: string }; prominent: boolean; breakGlassReason: string | null; details: Record<string, unknown> }> }>(
      '/audit-events?action=breakglass.open',
    );
    expect(audit.body.items.map((e) => [e.actor.id, e.prominent, e.breakGlassReason])).toEqual([[ownerId, true, 'A patient called back about a lab result while Dr. Rivera is away']]);
    const voicemail = (await h.apiGet<{ items: Array<{ id: string; breakGlassUntil: string | null }> }>('/voicemails')).body.items.find((v) => v.id === message.id)!;
    const minutesLeft = (Date.parse(voicemail.breakGlassUntil!) - Date.now()) / 60_000;
    expect(minutesLeft).toBeGreaterThan(20);
    expect(minutesLeft).toBeLessThanOrEqual(30);
  });
});
