import { chmodSync, mkdtempSync, rmSync, symlinkSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { basename, join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { buildNativeRelay } from './native-build.ts';

// Sotto runs whatever binary it finds in the cache: one that someone else
// could have written there must be refused, not run.
describe('native relay build cache', () => {
  const saved = process.env.SOTTO_NATIVE_CACHE;
  const dirs: string[] = [];
  const cacheDir = (): string => {
    const d = mkdtempSync(join(tmpdir(), 'sotto-native-cache-'));
    dirs.push(d);
    process.env.SOTTO_NATIVE_CACHE = d;
    return d;
  };
  afterEach(() => {
    if (saved === undefined) delete process.env.SOTTO_NATIVE_CACHE;
    else process.env.SOTTO_NATIVE_CACHE = saved;
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('builds into a private cache and reuses the binary; refuses it once others may write it', { timeout: 60_000 }, async () => {
    cacheDir();
    const built = await buildNativeRelay();
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(await buildNativeRelay()).toEqual(built);
    chmodSync(built.value, 0o777);
    expect(await buildNativeRelay()).toMatchObject({ ok: false, error: { code: 'RELAY_NATIVE_BUILD_FAILED' } });
  });

  it('refuses a cache directory others may write, and a symlink planted under the binary name', { timeout: 60_000 }, async () => {
    const open = cacheDir();
    chmodSync(open, 0o777);
    expect(await buildNativeRelay()).toMatchObject({ ok: false, error: { code: 'RELAY_NATIVE_BUILD_FAILED' } });

    cacheDir();
    const built = await buildNativeRelay();
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const planted = cacheDir();
    symlinkSync('/bin/true', join(planted, basename(built.value)));
    expect(await buildNativeRelay()).toMatchObject({ ok: false, error: { code: 'RELAY_NATIVE_BUILD_FAILED' } });
  });
});
