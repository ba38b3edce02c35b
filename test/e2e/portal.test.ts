// The portal in a real browser: Debian's Chromium, driven by playwright-core,
// against a running Sotto with the demo practice. What an admin does from
// the vendors' HIPAA guides (sign in with a TOTP code, Users, a user's
// Voicemail tab, un-check Transcription, Save) must change the setting the
// API reports and leave an audit event; the posture page must show it.
import { existsSync, readFileSync } from 'node:fs';
import { request } from 'node:http';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { DemoOutput } from '../../src/app/demo.ts';
import type { Runtime } from '../../src/app/runtime.ts';
import type { RunningSotto } from '../../src/app/server.ts';
import { createPasswordHasher, totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { verifyExport } from '../../src/audit/index.ts';
import { addUser, CLI_ACTOR, digestHa1 } from '../../src/directory/index.ts';
import type { Browser, Page } from 'playwright-core';
import { CHROMIUM, contrastProblems, fitsWidth, focusIsOnHeading, LAPTOP, screenshot, startPortal, TABLET, unlabelledControls, type PortalHarness } from './portal-harness.ts';

interface VoicemailSettings {
  transcription: boolean;
}
interface AuditEvent {
  action: string;
  actor: { type: string; id: string };
  object: { type: string; id: string } | null;
  details: { after?: Record<string, boolean> };
}

/** A WAV file of a 440 Hz tone: 8 kHz, 16-bit mono PCM (RIFF header, then samples). */
function wavTone(seconds: number): Buffer {
  const samples = 8000 * seconds;
  const wav = Buffer.alloc(44 + samples * 2);
  wav.write('RIFF', 0, 'ascii');
  wav.writeUInt32LE(36 + samples * 2, 4);
  wav.write('WAVEfmt ', 8, 'ascii');
  wav.writeUInt32LE(16, 16);
  wav.writeUInt16LE(1, 20); // PCM
  wav.writeUInt16LE(1, 22); // mono
  wav.writeUInt32LE(8000, 24);
  wav.writeUInt32LE(16000, 28); // byte rate
  wav.writeUInt16LE(2, 32); // block align
  wav.writeUInt16LE(16, 34);
  wav.write('data', 36, 'ascii');
  wav.writeUInt32LE(samples * 2, 40);
  for (let i = 0; i < samples; i++) wav.writeInt16LE(Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)), 44 + i * 2);
  return wav;
}

/** A GET with the path sent byte for byte (fetch would resolve "..", which is the point of the test). */
function rawGet(base: string, path: string): Promise<{ status: number; type: string; csp: string; body: string }> {
  const url = new URL(base);
  return new Promise((resolve, reject) => {
    const req = request({ host: url.hostname, port: url.port, path, method: 'GET' }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (d: string) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, type: String(res.headers['content-type'] ?? ''), csp: String(res.headers['content-security-policy'] ?? ''), body }));
    });
    req.on('error', reject);
    req.end();
  });
}

describe('admin portal in Chromium', { timeout: 120_000 }, () => {
  let h: PortalHarness;
  let rt: Runtime;
  let sotto: RunningSotto;
  let demo: DemoOutput;
  let base: string;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  const apiGet = async <T,>(path: string): Promise<T> => {
    const r = await h.apiGet<T>(path);
    expect(r.status).toBe(200);
    return r.body;
  };

  beforeAll(async () => {
    h = await startPortal('sotto-portal-');
    ({ rt, sotto, demo, base, browser, page } = h);
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  afterAll(async () => {
    await h?.close();
  });

  it('has the Debian Chromium it drives', () => {
    expect(existsSync(CHROMIUM)).toBe(true);
  });

  it('signs in with password and TOTP, un-checks Transcription on a voicemail tab, and the API and audit log agree', async () => {
    const rivera = demo.extensions.find((e) => e.extension === '102')!;
    await page.goto(base + '/');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Sotto');
    await screenshot(page, 'sign-in');
    await page.getByLabel('Email').fill(demo.admin.email);
    await page.getByLabel('Password').fill(demo.admin.password!);
    await page.getByRole('button', { name: 'Continue' }).click();

    const secret = totpSecretFromBase32(demo.admin.totpSecret!);
    if (!secret.ok) throw new Error('demo TOTP secret is not base32');
    await page.getByLabel('Authentication code').fill(totpAt(secret.value, Date.now()));
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    const row = page.getByRole('row', { name: /Dr\. Rivera/ });
    await expect.poll(() => row.getByRole('cell').allTextContents()).toEqual(['102', 'Provider', 'Active']);
    await screenshot(page, 'users');
    await row.getByRole('link', { name: 'Dr. Rivera' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dr. Rivera' }).waitFor();
    await page.getByRole('navigation', { name: 'User settings' }).getByRole('link', { name: 'Voicemail' }).click();

    const transcription = page.getByRole('checkbox', { name: 'Transcription', exact: true });
    await transcription.waitFor();
    expect(await transcription.isChecked()).toBe(true);
    // The practice policy forbids audio in email: the switch is locked and says why.
    const attach = page.getByRole('checkbox', { name: 'Attach audio' });
    expect(await attach.isDisabled()).toBe(true);
    expect(await page.locator('#vm-attachAudio-help').textContent()).toContain('HIPAA policy');

    // By keyboard alone: Space toggles the box, Tab reaches Save, Enter saves.
    await transcription.focus();
    await page.keyboard.press('Space');
    expect(await transcription.isChecked()).toBe(false);
    await page.keyboard.press('Tab');
    expect(await page.getByRole('button', { name: 'Save' }).evaluate((el) => el.ownerDocument.activeElement === el)).toBe(true);
    await page.keyboard.press('Enter');
    await page.getByRole('status').filter({ hasText: 'Voicemail settings saved.' }).waitFor();
    await screenshot(page, 'voicemail-tab');

    // A reload lands on the same tab (the server falls back to index.html) and the box stays clear.
    await page.reload();
    const afterReload = page.getByRole('checkbox', { name: 'Transcription', exact: true });
    await afterReload.waitFor();
    expect(await afterReload.isChecked()).toBe(false);

    const settings = await apiGet<VoicemailSettings>(`/users/${rivera.userId}/voicemail-settings`);
    expect(settings.transcription).toBe(false);
    const events = await apiGet<{ items: AuditEvent[] }>(`/audit-events?action=settings.update&object=${rivera.userId}`);
    const change = events.items.find((e) => e.object?.type === 'voicemail_settings' && e.details.after?.['transcription'] === false);
    expect(change).toBeDefined();
    const admin = (await apiGet<{ items: Array<{ id: string; email: string }> }>('/users')).items.find((u) => u.email === demo.admin.email)!;
    expect(change!.actor).toEqual({ type: 'user', id: admin.id });
  });

  it('shows the transcription item on the HIPAA posture page, with its level, risk and action', async () => {
    await page.getByRole('link', { name: 'HIPAA posture' }).click();
    await page.getByRole('heading', { level: 1, name: 'HIPAA posture' }).waitFor();
    const item = page.getByRole('listitem').filter({ has: page.getByRole('heading', { name: /Voicemail transcription/ }) });
    await item.waitFor();
    const text = (await item.textContent()) ?? '';
    expect(text).toMatch(/^(OK|Attention|Risk) Voicemail transcription/);
    expect(text).toContain('Risk');
    expect(text).toContain('Action');
    // The admin and the three demo users have voicemail settings; Dr. Rivera's transcription is now off.
    expect(text).toContain('On for 3 of 4');
    expect(await page.getByRole('button', { name: 'Apply safe defaults' }).isVisible()).toBe(true);
    await screenshot(page, 'hipaa-posture');
  });

  it('changes a retention period on the practice settings page, and the API agrees', async () => {
    await page.getByRole('link', { name: 'Practice' }).click();
    await page.getByRole('heading', { level: 1, name: 'Practice settings' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'Business texting (SMS)' }).isChecked()).toBe(false);
    await page.getByRole('spinbutton', { name: 'Voicemail' }).fill('400');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Practice settings saved.' }).waitFor();
    expect((await apiGet<{ retention: { voicemailDays: number } }>('/policy')).retention.voicemailDays).toBe(400);
    await page.getByRole('heading', { level: 1 }).scrollIntoViewIfNeeded();
    await screenshot(page, 'practice-settings');
  });

  it("adds a device on a user's Devices tab, shows its SIP credentials once with where to register, and disables it", async () => {
    const rivera = demo.extensions.find((e) => e.extension === '102')!;
    await page.getByRole('link', { name: 'Users', exact: true }).click();
    await page.getByRole('row', { name: /Dr\. Rivera/ }).getByRole('link').click();
    await page.getByRole('navigation', { name: 'User settings' }).getByRole('link', { name: 'Devices' }).click();
    // The demo's softphone: kind, label, SIP username, status.
    const demoRow = page.getByRole('row', { name: new RegExp(`\\b${rivera.sipUsername}\\b`) });
    await demoRow.waitFor();
    expect(await demoRow.getByRole('cell').allTextContents()).toEqual(expect.arrayContaining([rivera.sipUsername, 'Active']));

    await page.getByLabel('Kind').selectOption('softphone');
    await page.getByLabel('Label').fill('Exam room 2');
    await page.getByRole('button', { name: 'Add device' }).click();
    const credentials = page.getByRole('region', { name: 'SIP credentials for Exam room 2' });
    await credentials.waitFor();
    // Focus moves to the credentials, so a screen reader reads them first.
    expect(await page.locator('#credentials-heading').evaluate((el) => el.ownerDocument.activeElement === el)).toBe(true);
    expect(await credentials.textContent()).toContain('the password will not be shown again');
    const password = (await credentials.getByLabel('SIP password').textContent())!;
    expect(password).toMatch(/^[A-Za-z2-9]{20}$/);
    const facts = (await credentials.locator('dl').textContent())!;
    expect(facts).toContain(demo.sip.domain);
    expect(facts).toContain(`UDP, port ${sotto.sip.ports.udp}`);
    expect(facts).toContain(`TCP, port ${sotto.sip.ports.tcp}`);
    const username = (await credentials.locator('dd').nth(2).textContent())!;
    expect(username).toBe(`${rivera.extension}-2`);
    // The password shown is the one the registrar will accept: its digest HA1 is what the database keeps.
    const row = await rt.database.db.selectFrom('devices').select(['ha1_md5', 'realm']).where('sip_username', '=', username).executeTakeFirstOrThrow();
    expect(row.ha1_md5).toBe(digestHa1('MD5', username, row.realm, password));
    await screenshot(page, 'devices-credentials');

    await credentials.getByRole('button', { name: 'Done, I have copied them' }).click();
    await credentials.waitFor({ state: 'detached' });
    expect(await page.locator('main').textContent()).not.toContain(password);
    await page.reload();
    await page.getByRole('row', { name: /Exam room 2/ }).waitFor();
    expect(await page.content()).not.toContain(password);

    const added = page.getByRole('row', { name: /Exam room 2/ });
    await added.getByRole('button', { name: 'Disable Exam room 2' }).click();
    await added.getByRole('button', { name: 'Yes, disable' }).click();
    await page.getByRole('status').filter({ hasText: 'Exam room 2 is disabled' }).waitFor();
    expect(await added.getByRole('rowheader').evaluate((el) => el.ownerDocument.activeElement === el)).toBe(true);
    expect(await added.getByRole('cell').allTextContents()).toContain('Disabled');
    const devices = await apiGet<{ items: Array<{ sipUsername: string; status: string }> }>(`/users/${rivera.userId}/devices`);
    expect(devices.items.find((d) => d.sipUsername === username)?.status).toBe('disabled');
  });

  it('shows the audit log to an admin: chain verified, pages by keyboard, filters by user, action and time', async () => {
    // More events than one page holds (each verify records one).
    while ((await apiGet<{ items: unknown[] }>('/audit-events?limit=500')).items.length <= 60) await apiGet('/audit-events/verify');
    await page.getByRole('link', { name: 'Audit log' }).click();
    await page.getByRole('heading', { level: 1, name: 'Audit log' }).waitFor();
    await page.getByRole('heading', { level: 2, name: 'Audit chain verified' }).waitFor();
    expect(await page.getByRole('region', { name: 'Audit chain verified' }).textContent()).toMatch(/All \d+ events are intact/);
    const table = page.locator('table.audit-table');
    await table.waitFor();
    await screenshot(page, 'audit-log');
    const firstSeq = Number(await table.locator('tbody tr td').first().textContent());

    // Older, then Newer, by keyboard; the results heading takes focus each time.
    await page.getByRole('button', { name: 'Older events' }).focus();
    await page.keyboard.press('Enter');
    await page.getByRole('heading', { level: 2, name: 'Events, page 2' }).waitFor();
    expect(await page.locator('#results-heading').evaluate((el) => el.ownerDocument.activeElement === el)).toBe(true);
    await expect.poll(async () => Number(await table.locator('tbody tr td').first().textContent())).toBeLessThan(firstSeq - 49);
    await page.getByRole('button', { name: 'Newer events' }).click();
    await page.getByRole('heading', { level: 2, name: 'Events', exact: true }).waitFor();

    const admin = (await apiGet<{ items: Array<{ id: string; email: string; displayName: string }> }>('/users')).items.find((u) => u.email === demo.admin.email)!;
    await page.getByLabel('User').selectOption(admin.id);
    await page.getByLabel('Action').fill('settings.update');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await expect.poll(async () => new Set(await table.locator('tbody th code').allTextContents())).toEqual(new Set(['settings.update']));
    expect(new Set(await table.locator('tbody tr td:nth-child(3)').allTextContents()).size).toBe(1);
    expect(await table.locator('tbody tr td:nth-child(3)').first().textContent()).toContain(admin.displayName);

    // Take a copy: the download is the verifiable export, and it is on the log.
    const exporting = page.waitForEvent('download');
    await page.getByRole('link', { name: 'Download the audit log' }).click();
    const file = await (await exporting).path();
    const lines = readFileSync(file, 'utf8').split('\n');
    const verified = await verifyExport(lines);
    expect(verified).toMatchObject({ ok: true, header: { practiceId: demo.practice.id } });
    expect(verified.ok && verified.count).toBeGreaterThan(60);
    await expect.poll(async () => (await apiGet<{ items: unknown[] }>('/audit-events?action=audit.export')).items.length).toBe(1);

    // A time range: the end before the start is refused in words; a future window is empty.
    await page.getByLabel('From').fill('2099-01-02T00:00');
    await page.getByLabel('Until').fill('2099-01-01T00:00');
    expect(await page.getByText('The end must come after the start.').isVisible()).toBe(true);
    expect(await page.getByRole('button', { name: 'Apply filters' }).isDisabled()).toBe(true);
    await page.getByLabel('Until').fill('2099-01-03T00:00');
    await page.getByRole('button', { name: 'Apply filters' }).click();
    await page.getByText('No events match these filters.').waitFor();
    // The export follows the applied time range, and says so.
    expect(await page.getByRole('region', { name: 'Take a copy' }).textContent()).toMatch(/The events from .+ until .+, as JSON Lines/);
    expect(await page.getByRole('link', { name: 'Download the audit log' }).getAttribute('href')).toMatch(/^\/api\/v1\/audit-events\/export\?from=2099-01-0[12]T[^&]+&to=2099-01-0[23]T/);
    await page.getByRole('button', { name: 'Clear' }).click();
    await table.waitFor();
  });

  it('opens the voicemail inbox without an error', async () => {
    await page.getByRole('link', { name: 'Voicemail inbox' }).click();
    await page.getByRole('heading', { level: 1, name: 'Voicemail inbox' }).waitFor();
    await page.locator('.empty-state, table').first().waitFor();
    expect(await page.getByRole('alert').count()).toBe(0);
  });

  it('is usable by keyboard and screen reader at laptop and tablet widths: labelled controls, readable contrast, focus on the new page, no sideways scrolling', async () => {
    const rivera = demo.extensions.find((e) => e.extension === '102')!;
    const pages = [
      ['Users', 'Users'],
      ['Voicemail inbox', 'Voicemail inbox'],
      ['Practice', 'Practice settings'],
      ['HIPAA posture', 'HIPAA posture'],
      ['Audit log', 'Audit log'],
    ] as const;
    const findings: string[] = [];
    try {
      for (const viewport of [LAPTOP, TABLET]) {
        await page.setViewportSize(viewport);
        for (const [link, heading] of pages) {
          await page.getByRole('navigation', { name: 'Main' }).getByRole('link', { name: link, exact: true }).click();
          await page.getByRole('heading', { level: 1, name: heading }).waitFor();
          await page.waitForLoadState('networkidle');
          const where = `${heading} at ${viewport.width}px`;
          if (!(await focusIsOnHeading(page))) findings.push(`${where}: focus is not on the h1`);
          if (!(await fitsWidth(page))) findings.push(`${where}: scrolls sideways`);
          for (const c of await unlabelledControls(page)) findings.push(`${where}: unlabelled ${c}`);
          for (const c of await contrastProblems(page)) findings.push(`${where}: contrast ${c}`);
        }
        for (const tab of ['devices', 'voicemail']) {
          await page.goto(`${base}/users/${rivera.userId}/${tab}`);
          await page.getByRole('heading', { level: 2, name: tab === 'devices' ? 'Devices' : 'Voicemail' }).waitFor();
          await page.waitForLoadState('networkidle');
          const where = `user ${tab} tab at ${viewport.width}px`;
          if (!(await fitsWidth(page))) findings.push(`${where}: scrolls sideways`);
          for (const c of await unlabelledControls(page)) findings.push(`${where}: unlabelled ${c}`);
          for (const c of await contrastProblems(page)) findings.push(`${where}: contrast ${c}`);
        }
      }
    } finally {
      await page.setViewportSize(LAPTOP);
    }
    expect(findings).toEqual([]);
  });

  it('warns before the idle logoff, keeps the session on "Stay signed in", and returns to sign-in when idle runs out', async () => {
    // The same session in a second tab whose clock the test moves (the server's idle limit is 15 minutes).
    const context = await browser.newContext({ storageState: await page.context().storageState() });
    try {
      const tab = await context.newPage();
      await tab.clock.install();
      await tab.goto(base + '/users');
      // Every answered call restarts the idle clock: let the users list arrive before time moves.
      await tab.getByRole('row', { name: /Dr\. Rivera/ }).waitFor();
      await tab.clock.fastForward('14:30');
      const warning = tab.getByRole('alertdialog', { name: 'Still there?' });
      await warning.waitFor();
      await warning.getByRole('button', { name: 'Stay signed in' }).click();
      await warning.waitFor({ state: 'detached' });
      await tab.clock.fastForward('15:05');
      await tab.getByRole('heading', { level: 1, name: 'Sign in to Sotto' }).waitFor();
      expect(await tab.getByRole('status').textContent()).toContain('inactivity');
    } finally {
      await context.close();
    }
  });

  it('runs under its Content-Security-Policy without a violation', () => {
    expect(cspViolations).toEqual([]);
  });

  it('signs out, and a reload stays signed out', async () => {
    await page.getByRole('button', { name: 'Sign out' }).click();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Sotto' }).waitFor();
    await page.reload();
    await page.getByRole('heading', { level: 1, name: 'Sign in to Sotto' }).waitFor();
  });

  it('serves only files inside web/dist, and the app for client routes', async () => {
    const route = await rawGet(base, '/users/some-user/voicemail');
    expect(route.status).toBe(200);
    expect(route.type).toBe('text/html; charset=utf-8');
    expect(route.body).toContain('<div id="root"></div>');
    expect(route.csp).toContain("frame-ancestors 'none'");
    // Voicemail plays from blob: URLs made in the page (audio fetched with the session); nothing else may be a media source.
    expect(route.csp).toContain("media-src 'self' blob:");
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(route.body)![1]!;
    expect((await rawGet(base, script)).type).toBe('text/javascript; charset=utf-8');
    for (const evil of ['/../package.json', '/%2e%2e/package.json', '/assets/..%2f..%2fpackage.json', '/..%5cpackage.json', '/.env']) {
      const r = await rawGet(base, evil);
      expect(r.body).not.toContain('"name": "sotto"');
    }
    expect((await rawGet(base, '/assets/missing.js')).status).toBe(404);
    const api = await rawGet(base, '/api/v1/no-such-route');
    expect(api.status).toBe(404);
    expect(JSON.parse(api.body)).toMatchObject({ error: { code: 'NOT_FOUND' } });
  });

  it('has a new administrator set up two-factor sign-in before any admin page, and shows the recovery codes once', async () => {
    const password = 'correct horse battery staple 42';
    await addUser(rt.database.db, demo.practice.id, { email: 'new.admin@demo.sotto.invalid', displayName: 'New Admin', role: 'admin', passwordHash: await createPasswordHasher().hash(password) }, CLI_ACTOR);
    const context = await browser.newContext();
    try {
      const tab = await context.newPage();
      await tab.goto(base + '/posture');
      await tab.getByLabel('Email').fill('new.admin@demo.sotto.invalid');
      await tab.getByLabel('Password').fill(password);
      await tab.getByRole('button', { name: 'Continue' }).click();
      await tab.getByRole('heading', { level: 1, name: 'Set up two-factor sign-in' }).waitFor();
      const key = (await tab.getByLabel('Setup key').textContent())!.replace(/\s+/g, '');
      const secret = totpSecretFromBase32(key);
      if (!secret.ok) throw new Error('the setup key shown is not base32');
      await tab.getByLabel('Code shown by the app').fill(totpAt(secret.value, Date.now()));
      await tab.getByRole('button', { name: 'Turn on two-factor sign-in' }).click();
      await tab.getByRole('heading', { level: 1, name: 'Two-factor sign-in is on' }).waitFor();
      expect(await tab.getByRole('list', { name: 'Recovery codes' }).getByRole('listitem').count()).toBeGreaterThanOrEqual(8);
      await tab.getByRole('button', { name: 'I have saved them, continue' }).click();
      // The page asked for at first opens once two-factor sign-in is on.
      await tab.getByRole('heading', { level: 1, name: 'HIPAA posture' }).waitFor();
    } finally {
      await context.close();
    }
  });
});
