import { chmodSync, lstatSync, mkdtempSync, readFileSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
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

  const closedToOthers = (path: string): boolean => (lstatSync(path).mode & 0o022) === 0;

  it('builds into the cache and reuses the binary; one others may write is replaced, never run', { timeout: 120_000 }, async () => {
    cacheDir();
    const built = await buildNativeRelay();
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    const first = lstatSync(built.value);
    expect(await buildNativeRelay()).toEqual(built);
    expect(lstatSync(built.value).ino).toBe(first.ino);
    // What anyone could have put there: a script under the binary's name, open to all.
    // (Not told apart by inode: the filesystem may hand the freed number to the rebuilt file.)
    writeFileSync(built.value, '#!/bin/sh\necho planted\n');
    chmodSync(built.value, 0o777);
    expect(await buildNativeRelay()).toEqual(built);
    expect(readFileSync(built.value).subarray(0, 4)).toEqual(Buffer.from('\x7fELF', 'latin1'));
    expect(closedToOthers(built.value)).toBe(true);
  });

  it('closes a cache directory the group or others may write, and replaces a symlink planted under the binary name', { timeout: 120_000 }, async () => {
    const open = cacheDir();
    chmodSync(open, 0o777);
    const built = await buildNativeRelay();
    expect(built.ok).toBe(true);
    if (!built.ok) return;
    expect(closedToOthers(open)).toBe(true);
    expect(closedToOthers(built.value)).toBe(true);

    const planted = cacheDir();
    symlinkSync('/bin/true', join(planted, basename(built.value)));
    const rebuilt = await buildNativeRelay();
    expect(rebuilt.ok).toBe(true);
    if (!rebuilt.ok) return;
    expect(lstatSync(rebuilt.value).isSymbolicLink()).toBe(false);
    expect(lstatSync(rebuilt.value).isFile()).toBe(true);
  });
});
