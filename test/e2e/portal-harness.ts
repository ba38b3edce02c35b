// What the browser tests share: a running Sotto with the demo practice,
// Debian's Chromium driven by playwright-core, signing in with the demo
// admin's password and TOTP, screenshots, and the accessibility checks every
// page must pass (labelled controls, readable contrast, no sideways scroll).
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { isAbsolute, join } from 'node:path';
import pino from 'pino';
import { chromium, type Browser, type Page } from 'playwright-core';
import { loadConfig } from '../../src/app/config.ts';
import { seedDemo, type DemoOutput } from '../../src/app/demo.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, PROJECT_ROOT, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { totpAt, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { ensurePortalBuilt } from '../../web/build.mjs';
import { freePort } from '../notify/smtp-harness.ts';

export const CHROMIUM = '/usr/bin/chromium';
const CHROMIUM_ARGS = ['--headless', '--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--autoplay-policy=no-user-gesture-required'];

/** The laptop viewport; screenshots are taken at this size (small PNGs for the README). */
export const LAPTOP = { width: 1280, height: 800 };
export const TABLET = { width: 768, height: 1024 };

/**
 * Where screenshots go: SOTTO_SCREENSHOTS_DIR (scripts/screenshots.mjs sets
 * docs/screenshots), else .test-tmp/screenshots, for a look after a failure.
 */
export function screenshotsDir(): string {
  const env = process.env['SOTTO_SCREENSHOTS_DIR'];
  const dir = env ? (isAbsolute(env) ? env : join(PROJECT_ROOT, env)) : join(PROJECT_ROOT, '.test-tmp', 'screenshots');
  mkdirSync(dir, { recursive: true });
  return dir;
}

export async function screenshot(page: Page, name: string): Promise<void> {
  // The viewport only, never the full page: the same size every time, and no idle-warning timer in the picture.
  await page.screenshot({ path: join(screenshotsDir(), `${name}.png`), animations: 'disabled', caret: 'hide' });
}

export interface PortalHarness {
  rt: Runtime;
  sotto: RunningSotto;
  demo: DemoOutput;
  base: string;
  browser: Browser;
  page: Page;
  /** A GET with the demo admin's API token; answers status and JSON. */
  apiGet<T>(path: string): Promise<{ status: number; body: T }>;
  close(): Promise<void>;
}

export async function startPortal(prefix: string, env: Record<string, string> = {}): Promise<PortalHarness> {
  ensurePortalBuilt(PROJECT_ROOT);
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const port = await freePort();
  const base = `http://127.0.0.1:${port}`;
  const config = loadConfig({
    SOTTO_DATA_DIR: dataDir,
    SOTTO_BIND: '127.0.0.1',
    SOTTO_HTTP_PORT: String(port),
    SOTTO_PUBLIC_URL: base,
    SOTTO_SIP_PORT: '0',
    SOTTO_SIP_TLS_PORT: '0',
    ...env,
  });
  const rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
  const demo = await seedDemo(rt, {});
  const sotto = await startServer(rt);
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: CHROMIUM_ARGS });
  const page = await browser.newPage({ viewport: LAPTOP });
  return {
    rt,
    sotto,
    demo,
    base,
    browser,
    page,
    async apiGet<T>(path: string) {
      const res = await fetch(`${base}/api/v1${path}`, { headers: { authorization: `Bearer ${demo.apiToken}` } });
      return { status: res.status, body: (await res.json().catch(() => null)) as T };
    },
    async close() {
      await browser.close();
      await sotto.stop();
      await rt.close();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
}

/** Signs in as the demo admin with password and the current TOTP code; resolves on the first admin page. */
export async function signInAsAdmin(page: Page, base: string, demo: DemoOutput, path = '/'): Promise<void> {
  await page.goto(base + path);
  await page.getByRole('heading', { level: 1, name: 'Sign in to Sotto' }).waitFor();
  await page.getByLabel('Email').fill(demo.admin.email);
  await page.getByLabel('Password').fill(demo.admin.password!);
  await page.getByRole('button', { name: 'Continue' }).click();
  const secret = totpSecretFromBase32(demo.admin.totpSecret!);
  if (!secret.ok) throw new Error('demo TOTP secret is not base32');
  await page.getByLabel('Authentication code').fill(totpAt(secret.value, Date.now()));
  await page.getByRole('button', { name: 'Sign in' }).click();
  await page.getByRole('button', { name: 'Sign out' }).waitFor();
}

// The checks below run inside the page. The root tsconfig has no DOM types
// (Node code only), so the page's objects are reached from the element
// playwright hands over, untyped.

/** True when the page needs no sideways scrolling at the current width. */
export function fitsWidth(page: Page): Promise<boolean> {
  return page.locator('body').evaluate((body) => body.ownerDocument.documentElement.scrollWidth <= body.ownerDocument.documentElement.clientWidth);
}

/** Form controls without an accessible name (label, aria-label or aria-labelledby): each is a finding. */
export function unlabelledControls(page: Page): Promise<string[]> {
  return page.locator('body').evaluate((body) =>
    [...body.querySelectorAll('input, select, textarea')]
      .filter((el) => el.type !== 'hidden' && (el.labels?.length ?? 0) === 0 && !el.getAttribute('aria-label') && !el.getAttribute('aria-labelledby'))
      .map((el) => String(el.outerHTML).slice(0, 80)),
  );
}

/**
 * Text that fails WCAG 2.1 AA contrast (4.5:1, or 3:1 for large text) against
 * the background it is drawn on. Disabled controls are exempt (WCAG 1.4.3).
 */
export function contrastProblems(page: Page): Promise<string[]> {
  return page.locator('body').evaluate((body) => {
    const doc = body.ownerDocument;
    const style = (el: unknown) => doc.defaultView.getComputedStyle(el);
    const parse = (c: string): [number, number, number, number] => {
      const m = /rgba?\(([^)]+)\)/.exec(c);
      if (!m) return [0, 0, 0, 0];
      const p = m[1]!.split(',').map((x) => parseFloat(x));
      return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 1];
    };
    const lum = (rgb: number[]) => {
      const f = (v: number) => {
        const x = v / 255;
        return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
      };
      return 0.2126 * f(rgb[0]!) + 0.7152 * f(rgb[1]!) + 0.0722 * f(rgb[2]!);
    };
    const background = (el: { parentElement: unknown } | null): [number, number, number] => {
      for (let e = el; e; e = e.parentElement as typeof el) {
        const [r, g, b, a] = parse(style(e).backgroundColor);
        if (a > 0.5) return [r, g, b];
      }
      return [255, 255, 255];
    };
    const out: string[] = [];
    const SHOW_TEXT = 4;
    const walker = doc.createTreeWalker(body, SHOW_TEXT);
    for (let n = walker.nextNode(); n; n = walker.nextNode()) {
      const el = n.parentElement;
      const text = String(n.textContent ?? '').trim();
      if (!el || !text) continue;
      if (el.closest('[disabled], .visually-hidden, .skip-link, option, datalist')) continue;
      const box = el.getBoundingClientRect();
      if (box.width === 0 || box.height === 0) continue;
      const st = style(el);
      const [r, g, b, a] = parse(st.color);
      const bg = background(el);
      // Semi-transparent text is blended onto its background first.
      const fg = [r * a + bg[0] * (1 - a), g * a + bg[1] * (1 - a), b * a + bg[2] * (1 - a)];
      const [l1, l2] = [lum(fg), lum(bg)].sort((x, y) => y - x) as [number, number];
      const ratio = (l1 + 0.05) / (l2 + 0.05);
      const size = parseFloat(st.fontSize);
      const large = size >= 24 || (size >= 18.66 && Number(st.fontWeight) >= 700);
      if (ratio < (large ? 3 : 4.5)) out.push(`${ratio.toFixed(2)}:1 "${text.slice(0, 40)}"`);
    }
    return out;
  });
}

/** After a client-side navigation the page's h1 has focus, as after a page load a screen reader starts there. */
export function focusIsOnHeading(page: Page): Promise<boolean> {
  return page.locator('body').evaluate((body) => body.ownerDocument.activeElement?.tagName === 'H1');
}

/**
 * Tabs through the page (up to `maxStops` stops) and returns each stop whose
 * focus ring is missing or under WCAG 2.1 1.4.11's 3:1 against the
 * background around the control (the ring is drawn outside it, on its
 * parent's background).
 */
export async function focusRingProblems(page: Page, maxStops = 80): Promise<string[]> {
  const out: string[] = [];
  const seen = new Set<string>();
  const blur = () =>
    page.locator('body').evaluate((body) => {
      const active = body.ownerDocument.activeElement;
      if (active && active !== body) active.blur();
    });
  await blur();
  for (let i = 0; i < maxStops; i++) {
    await page.keyboard.press('Tab');
    const stop = await page.locator('body').evaluate((body) => {
      const doc = body.ownerDocument;
      const el = doc.activeElement;
      if (!el || el === body) return null;
      const style = (e: unknown) => doc.defaultView.getComputedStyle(e);
      const parse = (c: string): [number, number, number, number] => {
        const m = /rgba?\(([^)]+)\)/.exec(c);
        if (!m) return [0, 0, 0, 0];
        const p = m[1]!.split(',').map((x) => parseFloat(x));
        return [p[0] ?? 0, p[1] ?? 0, p[2] ?? 0, p[3] ?? 1];
      };
      const lum = (rgb: number[]) => {
        const f = (v: number) => {
          const x = v / 255;
          return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
        };
        return 0.2126 * f(rgb[0]!) + 0.7152 * f(rgb[1]!) + 0.0722 * f(rgb[2]!);
      };
      let bg: [number, number, number] = [255, 255, 255];
      for (let e = el.parentElement; e; e = e.parentElement) {
        const [r, g, b, a] = parse(style(e).backgroundColor);
        if (a > 0.5) {
          bg = [r, g, b];
          break;
        }
      }
      const st = style(el);
      const ring = parse(st.outlineColor);
      const [l1, l2] = [lum(ring), lum(bg)].sort((x, y) => y - x) as [number, number];
      const name = `${String(el.tagName).toLowerCase()} "${String(el.textContent || el.getAttribute('aria-label') || el.id || '').trim().slice(0, 30)}"`;
      const key = `${name}#${Array.prototype.indexOf.call(doc.querySelectorAll('*'), el)}`;
      return { key, name, visible: st.outlineStyle !== 'none' && parseFloat(st.outlineWidth) >= 2 && ring[3] > 0.5, ratio: (l1 + 0.05) / (l2 + 0.05) };
    });
    if (stop === null) continue;
    if (seen.has(stop.key)) break;
    seen.add(stop.key);
    if (!stop.visible) out.push(`${stop.name}: no focus ring`);
    else if (stop.ratio < 3) out.push(`${stop.name}: focus ring ${stop.ratio.toFixed(2)}:1`);
  }
  // The walk ends back on the first stop, the skip link, which would cover the top bar.
  await blur();
  return out;
}

/** What has keyboard focus: tag, id and text, for assertions that read like what a user would notice. */
export function focused(page: Page): Promise<{ tag: string; id: string; text: string }> {
  return page.locator('body').evaluate((body) => {
    const el = body.ownerDocument.activeElement;
    return { tag: String(el?.tagName ?? '').toLowerCase(), id: String(el?.id ?? ''), text: String(el?.textContent ?? '').trim() };
  });
}
