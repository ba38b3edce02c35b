// The voicemail inbox in a real browser: a message played to the end is
// marked heard (and the desk phone's lamp follows), as the mailbox by phone
// does; before, it stayed "New" until "Mark as heard" was clicked too.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { boxOf, leaveMessage, tone } from '../support/voicemail.ts';
import { signInAsAdmin, startPortal, type PortalHarness } from './portal-harness.ts';

describe('the voicemail inbox marks a message heard once played to the end', { timeout: 120_000 }, () => {
  let h: PortalHarness;
  beforeAll(async () => {
    h = await startPortal('sotto-inbox-heard-');
  });
  afterAll(() => h?.close());

  it('plays a message through, then shows it heard, and the API agrees', async () => {
    const voicemail = h.sotto.voicemail;
    if (!voicemail) throw new Error('voicemail is not running');
    const box = await boxOf(h.rt.database.db, h.demo.practice.id, '101');
    const message = await leaveMessage(voicemail.store, box, tone(1500));
    await signInAsAdmin(h.page, h.base, h.demo, `/voicemails/${message.id}`);
    const page = h.page;
    const row = page.locator('tr', { has: page.locator(`#vm-open-${message.id}`) });
    // The inbox lists its messages after sign-in settles: wait for the row
    // rather than count what has rendered so far.
    await row.getByText('New', { exact: true }).waitFor();
    const player = page.locator('audio');
    await player.waitFor();
    await player.evaluate((a) => void a.play());
    await page.getByRole('status').filter({ hasText: 'Marked as heard.' }).waitFor();
    await row.getByText('Heard', { exact: true }).waitFor();
    const list = await h.apiGet<{ items: Array<{ id: string; heard: boolean }> }>('/voicemails');
    expect(list.body.items.find((v) => v.id === message.id)?.heard).toBe(true);
  });
});
