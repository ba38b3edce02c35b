// The practice settings page and the plan, in a real browser. The owner
// changes the plan on the page (README: "Practice settings (plan, …)"), and a
// switch whose feature the plan leaves out is shown off and locked with the
// plan it needs, and is turned off by the change: before, the page printed
// the plan's id and showed "Call queues" ticked on Pro and "Voicemail
// transcription" ticked on Essentials, both doing nothing.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Page } from 'playwright-core';
import { fitsWidth, signInAsAdmin, startPortal, TABLET, type PortalHarness } from './portal-harness.ts';

async function switchState(page: Page, label: string): Promise<{ checked: boolean; disabled: boolean; help: string }> {
  const box = page.getByLabel(label, { exact: true });
  const help = await page.locator(`#${await box.getAttribute('aria-describedby')}`).innerText();
  return { checked: await box.isChecked(), disabled: await box.isDisabled(), help };
}

describe('the owner changes the plan on the practice settings page', { timeout: 120_000 }, () => {
  let h: PortalHarness;
  beforeAll(async () => {
    h = await startPortal('sotto-practice-plan-');
  });
  afterAll(() => h?.close());

  it('shows on Pro that call queues and meeting recording need Pro Plus, locked and off', async () => {
    await signInAsAdmin(h.page, h.base, h.demo, '/practice');
    const page = h.page;
    await page.getByRole('heading', { level: 1, name: 'Practice settings' }).waitFor();
    expect(await page.locator('.summary').innerText()).toContain('on the Pro plan');
    expect(await switchState(page, 'Call queues')).toEqual({ checked: false, disabled: true, help: expect.stringContaining('Not in the Pro plan: needs Pro Plus.') });
    expect(await switchState(page, 'Meeting recording')).toMatchObject({ checked: false, disabled: true });
    expect(await switchState(page, 'Voicemail transcription')).toEqual({ checked: true, disabled: false, help: expect.not.stringContaining('Not in') });
  });

  it('moves to Essentials: the API agrees and transcription is shown off, needing Pro; back on Pro it is unlocked but stays off until ticked', async () => {
    const page = h.page;
    await page.getByLabel('Plan tier').selectOption({ label: 'Essentials' });
    await page.getByRole('button', { name: 'Change plan' }).click();
    await page.getByText('The plan is now Essentials.').waitFor();
    expect((await h.apiGet<{ tier: string }>('/practice')).body.tier).toBe('essentials');
    expect(await switchState(page, 'Voicemail transcription')).toEqual({ checked: false, disabled: true, help: expect.stringContaining('Not in the Essentials plan: needs Pro.') });
    expect(await switchState(page, 'Voicemail email notices')).toMatchObject({ checked: true, disabled: false });
    await page.setViewportSize(TABLET);
    expect(await fitsWidth(page)).toBe(true);
    // A user's Voicemail tab says the same: transcription off and locked, not ticked while doing nothing.
    const rivera = h.demo.extensions.find((e) => e.extension === '102')!;
    await page.goto(`${h.base}/users/${rivera.userId}/voicemail`);
    const transcription = page.getByRole('checkbox', { name: 'Transcription', exact: true });
    await transcription.waitFor();
    expect({ checked: await transcription.isChecked(), disabled: await transcription.isDisabled() }).toEqual({ checked: false, disabled: true });
    expect(await page.locator('#vm-transcription-help').innerText()).toContain("Not included in this practice's plan.");
    await page.getByRole('link', { name: 'HIPAA posture' }).click();
    await page.getByText(/Plan: Essentials\./).waitFor();
    await page.getByRole('link', { name: 'Practice' }).click();
    await page.getByLabel('Plan tier').waitFor();

    await page.getByLabel('Plan tier').selectOption({ label: 'Pro' });
    await page.getByRole('button', { name: 'Change plan' }).click();
    await page.getByText('The plan is now Pro.').waitFor();
    // The downgrade turned the switch off: an upgrade brings nothing back unasked.
    expect(await switchState(page, 'Voicemail transcription')).toMatchObject({ checked: false, disabled: false });
    expect((await h.apiGet<{ voicemailTranscription: boolean }>('/policy')).body.voicemailTranscription).toBe(false);
  });
});
