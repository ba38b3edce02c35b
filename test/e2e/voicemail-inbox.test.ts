// The voicemail inbox in a real browser: a caller leaves a message on 101
// by a real SIP call (G.711 tone over RTP), the demo admin opens the inbox,
// plays it from a blob: URL fetched with the session cookie (the audio URL
// alone, without the session, is refused), sees the transcript marked as a
// machine draft, marks it heard and deletes it after confirming; the API and
// the audit log agree with each step.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectToneSegments } from '../../src/media/index.ts';
import { accountSecurityLink, voicemailLink } from '../../src/notify/portal-links.ts';
import { CallPhone } from '../calls/call-phone.ts';
import { FakePhone, sendPaced } from '../media/fake-phone.ts';
import { screenshot, signInAsAdmin, startPortal, type PortalHarness } from './portal-harness.ts';


interface Voicemail {
  id: string;
  extension: string;
  receivedAt: string;
  durationMs: number;
  heard: boolean;
  partial: boolean;
  transcript: { text: string; engine: string } | null;
}
interface AuditEvent {
  action: string;
  actor: { type: string; id: string };
  object: { type: string; id: string } | null;
}

/** A second of a 440 Hz tone at 8 kHz, loud enough that no silence detector drops it. */
function tone(seconds: number): Int16Array {
  const pcm = new Int16Array(8000 * seconds);
  for (let i = 0; i < pcm.length; i++) pcm[i] = Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000));
  return pcm;
}

describe('voicemail inbox in Chromium', { timeout: 120_000 }, () => {
  let h: PortalHarness;
  let adminId = '';

  beforeAll(async () => {
    h = await startPortal('sotto-inbox-', { SOTTO_RTP_PORTS: '45000-45199' });
    const users = (await h.apiGet<{ items: Array<{ id: string; email: string }> }>('/users')).body.items;
    adminId = users.find((u) => u.email === h.demo.admin.email)!.id;
  });
  afterAll(async () => {
    await h?.close();
  });

  const voicemails = async () => (await h.apiGet<{ items: Voicemail[] }>('/voicemails')).body.items;
  const auditOf = async (action: string, objectId: string) => (await h.apiGet<{ items: AuditEvent[] }>(`/audit-events?action=${action}&object=${objectId}`)).body.items;

  /** 102 calls 101, nobody answers, the voicemail app records a few seconds of tone; 102 hangs up. */
  async function leaveVoicemail(): Promise<void> {
    const caller = h.demo.extensions.find((e) => e.extension === '102')!;
    const phone = await CallPhone.open({ server: { host: '127.0.0.1', port: h.sotto.sip.ports.udp }, domain: h.demo.sip.domain, username: caller.sipUsername, password: caller.sipPassword! });
    const media = await FakePhone.open();
    try {
      const call = await phone.call('101', media.offer({ codecs: ['PCMU'] }));
      const ok = await phone.waitResponse('INVITE', 200, 1);
      expect(ok.status).toBe(200);
      call.ack2xx(ok);
      media.takeAnswer(ok.body.toString('utf8'));
      // Like a caller: listen to the greeting, wait for the record tone (1 kHz), then speak.
      await media.until(() => detectToneSegments(media.decodedAudio(), { frequencyHz: 1000 }).some((t) => t.durationMs >= 300));
      await sendPaced(media, media.packets(tone(4)));
      call.bye();
      await phone.waitResponse('BYE');
    } finally {
      media.close();
      phone.close();
    }
  }

  it('plays a message left by a real call from a blob: URL fetched with the session, and records the play', async () => {
    const before = (await voicemails()).length;
    await leaveVoicemail();
    await expect.poll(async () => (await voicemails()).length, { timeout: 30_000 }).toBe(before + 1);
    const message = (await voicemails()).find((v) => v.extension === '101' && !v.heard)!;
    expect(message.durationMs).toBeGreaterThan(0);

    const { page, base, demo } = h;
    await signInAsAdmin(page, base, demo, '/voicemail');
    await page.getByRole('heading', { level: 1, name: 'Voicemail inbox' }).waitFor();
    const audioRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/audio')) audioRequests.push(r.url());
    });
    await page.locator(`#vm-open-${message.id}`).click();
    const player = page.locator('audio');
    await player.waitFor();
    expect(await player.getAttribute('src')).toMatch(/^blob:/);
    expect(audioRequests).toEqual([`${base}/api/v1/voicemails/${message.id}/audio`]);
    // It really plays: the decoded length matches the message, and the clock moves.
    const seconds = await player.evaluate(
      (a) => new Promise<number>((resolve) => (a.readyState >= 1 ? resolve(a.duration) : a.addEventListener('loadedmetadata', () => resolve(a.duration), { once: true }))),
    );
    expect(Math.abs(seconds * 1000 - message.durationMs)).toBeLessThan(1000);
    // Looping, so it never ends: played to the end it would be marked heard, and the last test wants it new.
    await player.evaluate((a) => new Promise<void>((resolve) => {
      a.loop = true;
      a.addEventListener('timeupdate', () => a.currentTime > 0 && resolve());
      void a.play();
    }));
    await player.evaluate((a) => a.pause());

    // The address alone is worth nothing: without the session it is refused.
    expect((await fetch(`${base}/api/v1/voicemails/${message.id}/audio`)).status).toBe(401);

    // Transcription runs after the message is saved, so it may land between
    // the API read above and the page's own: the page shows one or the other.
    const transcript = page.locator('figure.transcript');
    await transcript.or(page.getByText('No transcript for this message.')).waitFor();
    if (await transcript.isVisible()) {
      const latest = (await voicemails()).find((v) => v.id === message.id);
      expect(await transcript.locator('blockquote').textContent()).toBe(latest?.transcript?.text);
      expect(await transcript.locator('figcaption').textContent()).toContain('Machine draft');
    }
    await screenshot(page, 'voicemail-inbox');
    const plays = await auditOf('voicemail.play', message.id);
    expect(plays.some((e) => e.actor.id === adminId)).toBe(true);
  });

  it('opens the message an email notice links to, and the account page a security notice links to', async () => {
    const { page, base } = h;
    const message = (await voicemails()).find((v) => !v.heard);
    expect(message, 'the previous test leaves an unheard message').toBeDefined();
    await page.goto(voicemailLink(base, message!.id));
    const panel = page.getByRole('region', { name: /^Voicemail for / });
    await panel.waitFor();
    expect(await page.locator('tr[aria-current="true"]').count()).toBe(1);
    await page.goto(accountSecurityLink(base));
    await page.getByRole('heading', { level: 1, name: 'Account security' }).waitFor();
    expect(await page.getByText('Two-step sign-in').count()).toBeGreaterThan(0);
    await page.goto(`${base}/voicemail`);
    await page.getByRole('heading', { level: 1, name: 'Voicemail inbox' }).waitFor();
  });

  it('marks a message heard, and deletes it only after confirming; the API agrees', async () => {
    const { page } = h;
    const message = (await voicemails()).find((v) => !v.heard);
    expect(message, 'the previous test leaves an unheard message').toBeDefined();
    const id = message!.id;
    const panel = page.getByRole('region', { name: /^Voicemail for / });
    if (!(await panel.isVisible())) await page.locator(`#vm-open-${id}`).click();

    await panel.getByRole('button', { name: 'Mark as heard' }).click();
    await page.getByRole('status').filter({ hasText: 'Marked as heard.' }).waitFor();
    expect((await voicemails()).find((v) => v.id === id)?.heard).toBe(true);

    await panel.getByRole('button', { name: 'Delete' }).click();
    await panel.getByRole('button', { name: 'Keep it' }).click();
    expect((await voicemails()).some((v) => v.id === id)).toBe(true);
    await panel.getByRole('button', { name: 'Delete' }).click();
    await panel.getByRole('button', { name: 'Yes, delete it for good' }).click();
    await page.getByRole('status').filter({ hasText: 'Voicemail deleted.' }).waitFor();
    expect(await page.locator(`#vm-open-${id}`).count()).toBe(0);
    expect((await voicemails()).some((v) => v.id === id)).toBe(false);
    expect((await auditOf('voicemail.delete', id)).some((e) => e.actor.id === adminId)).toBe(true);

    // The old notice's link now says so instead of a blank page.
    await page.goto(voicemailLink(h.base, id));
    await page.getByRole('alert').filter({ hasText: 'That voicemail is not in your inbox' }).waitFor();
  });
});
