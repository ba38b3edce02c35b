// The portal in a real browser: Debian's Chromium, driven by playwright-core,
// against a running Sotto with the demo practice. What an admin does from
// the vendors' HIPAA guides (sign in with a TOTP code, Users, a user's
// Voicemail tab, un-check Transcription, Save) must change the setting the
// API reports and leave an audit event; the posture page must show it.
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { seedDemo, type DemoOutput } from '../../src/app/demo.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, PROJECT_ROOT, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { createPasswordHasher, totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR } from '../../src/directory/index.ts';
import { ensurePortalBuilt } from '../../web/build.mjs';
import { freePort } from '../notify/smtp-harness.ts';

const CHROMIUM = '/usr/bin/chromium';
/** Screenshots of the main pages, for the README and for a look after a failure (not compared). */
const SCREENSHOTS = join(PROJECT_ROOT, '.test-tmp', 'screenshots');
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'];

interface VoicemailSettings {
  transcription: boolean;
}
interface AuditEvent {
  action: string;
  actor: { type: string; id: string };
  object: { type: string; id: string } | null;
  details: { after?: Record<string, boolean> };
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
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-portal-'));
  let rt: Runtime;
  let sotto: RunningSotto;
  let demo: DemoOutput;
  let base: string;
  let browser: Browser;
  let page: Page;
  const cspViolations: string[] = [];

  const apiGet = async <T,>(path: string): Promise<T> => {
    const res = await fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${demo.apiToken}` } });
    expect(res.status).toBe(200);
    return (await res.json()) as T;
  };

  beforeAll(async () => {
    ensurePortalBuilt(PROJECT_ROOT);
    const port = await freePort();
    base = `http://127.0.0.1:${port}`;
    const config = loadConfig({
      SOTTO_DATA_DIR: dataDir,
      SOTTO_BIND: '127.0.0.1',
      SOTTO_HTTP_PORT: String(port),
      SOTTO_PUBLIC_URL: base,
      SOTTO_SIP_PORT: '0',
      SOTTO_SIP_TLS_PORT: '0',
    });
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    demo = await seedDemo(rt, {});
    sotto = await startServer(rt);
    browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
    page = await browser.newPage({ viewport: { width: 1280, height: 900 } });
    page.on('console', (m) => {
      if (m.type() === 'error' && /Content Security Policy/i.test(m.text())) cspViolations.push(m.text());
    });
  });

  afterAll(async () => {
    await browser?.close();
    await sotto?.stop();
    await rt?.close();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('has the Debian Chromium it drives', () => {
    expect(existsSync(CHROMIUM)).toBe(true);
  });

  it('signs in with password and TOTP, un-checks Transcription on a voicemail tab, and the API and audit log agree', async () => {
    const rivera = demo.extensions.find((e) => e.extension === '102')!;
    await page.goto(base + '/');
    await expect.poll(() => page.getByRole('heading', { level: 1 }).textContent()).toBe('Sign in to Sotto');
    await page.getByLabel('Email').fill(demo.admin.email);
    await page.getByLabel('Password').fill(demo.admin.password);
    await page.getByRole('button', { name: 'Continue' }).click();

    const secret = totpSecretFromBase32(demo.admin.totpSecret);
    if (!secret.ok) throw new Error('demo TOTP secret is not base32');
    await page.getByLabel('Authentication code').fill(totpAt(secret.value, Date.now()));
    await page.getByRole('button', { name: 'Sign in' }).click();

    await page.getByRole('heading', { level: 1, name: 'Users' }).waitFor();
    const row = page.getByRole('row', { name: /Dr\. Rivera/ });
    await expect.poll(() => row.getByRole('cell').allTextContents()).toEqual(['102', 'Provider', 'Active']);
    await page.screenshot({ path: join(SCREENSHOTS, 'users.png'), fullPage: true });
    await row.getByRole('link', { name: 'Dr. Rivera' }).click();
    await page.getByRole('heading', { level: 1, name: 'Dr. Rivera' }).waitFor();
    await page.getByRole('link', { name: 'Voicemail' }).click();

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
    await page.screenshot({ path: join(SCREENSHOTS, 'voicemail-tab.png'), fullPage: true });

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
    await page.screenshot({ path: join(SCREENSHOTS, 'hipaa-posture.png'), fullPage: true });
  });

  it('changes a retention period on the practice settings page, and the API agrees', async () => {
    await page.getByRole('link', { name: 'Practice' }).click();
    await page.getByRole('heading', { level: 1, name: 'Practice settings' }).waitFor();
    expect(await page.getByRole('checkbox', { name: 'Business texting (SMS)' }).isChecked()).toBe(false);
    await page.getByRole('spinbutton', { name: 'Voicemail' }).fill('400');
    await page.getByRole('button', { name: 'Save' }).click();
    await page.getByRole('status').filter({ hasText: 'Practice settings saved.' }).waitFor();
    expect((await apiGet<{ retention: { voicemailDays: number } }>('/policy')).retention.voicemailDays).toBe(400);
  });

  it('fits a tablet screen without sideways scrolling', async () => {
    await page.setViewportSize({ width: 768, height: 1024 });
    try {
      const fits = () => page.locator('body').evaluate((b) => b.ownerDocument.documentElement.scrollWidth <= b.ownerDocument.documentElement.clientWidth);
      for (const [link, heading] of [['Users', 'Users'], ['HIPAA posture', 'HIPAA posture'], ['Practice', 'Practice settings']] as const) {
        await page.getByRole('link', { name: link, exact: true }).click();
        await page.getByRole('heading', { level: 1, name: heading }).waitFor();
        expect(await fits()).toBe(true);
      }
    } finally {
      await page.setViewportSize({ width: 1280, height: 900 });
    }
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
