// Builds the native data plane (native/relay/*.c) on demand with the
// system C compiler, so a fresh checkout needs nothing but `cc`: the
// binary is named by a hash of its sources and flags, kept in a cache
// directory, and rebuilt only when the sources change (a checkout that
// touches them, an upgrade). A build takes about a second. Two processes
// building at once each write their own temporary file and rename it into
// place, so neither sees half a binary. Sotto runs what it finds there, so
// the directory and the binary must be ours and writable by no one else (no
// shared /tmp fallback: another local user could plant a program under a
// name anyone can compute from the public sources).

import { execFile } from 'node:child_process';
import { createHash } from 'node:crypto';
import { chmodSync, lstatSync, mkdirSync, readdirSync, readFileSync, renameSync, rmSync, type Stats } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { err, ok, type MediaError, type Result } from '../result.ts';

export type NativeBuildErrorCode =
  /** No `cc` on the PATH (Debian: gcc). */
  | 'RELAY_NATIVE_NO_COMPILER'
  /** The compiler ran and failed, or the sources are missing. */
  | 'RELAY_NATIVE_BUILD_FAILED';

export type NativeBuildError = MediaError<NativeBuildErrorCode>;

const NATIVE_DIR = fileURLToPath(new URL('../../../native/', import.meta.url));
const CFLAGS = ['-O2', '-std=gnu11', '-Wall', '-Wextra', '-pedantic'];

/** Where binaries are cached: SOTTO_NATIVE_CACHE, else node_modules/.cache/sotto-relay (no data dir: it holds no data). */
export function nativeCacheDir(): string {
  return process.env.SOTTO_NATIVE_CACHE ?? fileURLToPath(new URL('../../../node_modules/.cache/sotto-relay/', import.meta.url));
}

/** The path of an up-to-date sotto-relay binary, compiling it first when needed. */
export function buildNativeRelay(): Promise<Result<string, NativeBuildError>> {
  return buildNativeProgram('relay');
}

/** Builds native/<program>/*.c into one binary named sotto-<program>-<hash> (the relay; the benchmarks' load generator). */
export async function buildNativeProgram(program: string): Promise<Result<string, NativeBuildError>> {
  const SOURCE_DIR = join(NATIVE_DIR, program);
  let files: string[];
  try {
    files = readdirSync(SOURCE_DIR).filter((f) => f.endsWith('.c') || f.endsWith('.h')).sort();
  } catch {
    return err('RELAY_NATIVE_BUILD_FAILED', 'native sources not found');
  }
  if (!files.some((f) => f.endsWith('.c'))) return err('RELAY_NATIVE_BUILD_FAILED', 'native sources not found');
  const hash = createHash('sha256').update(CFLAGS.join(' '));
  for (const f of files) hash.update(f).update('\0').update(readFileSync(join(SOURCE_DIR, f))).update('\0');
  const name = `sotto-${program}-${hash.digest('hex').slice(0, 16)}`;
  const dir = nativeCacheDir();
  try {
    mkdirSync(dir, { recursive: true, mode: 0o700 });
  } catch {
    return err('RELAY_NATIVE_BUILD_FAILED', 'the native relay cache directory cannot be created');
  }
  const dirStat = lstatOrUndefined(dir);
  if (!dirStat?.isDirectory() || !ownedByUs(dirStat)) return err('RELAY_NATIVE_BUILD_FAILED', 'the native relay cache directory is not this user\'s');
  if ((dirStat.mode & 0o022) !== 0) {
    // Ours but open to the group or others (a umask of 002 does that): closed before anything in it is trusted.
    try {
      chmodSync(dir, 0o700);
    } catch {
      return err('RELAY_NATIVE_BUILD_FAILED', 'the native relay cache directory cannot be made private');
    }
  }
  const binary = join(dir, name);
  const existing = lstatOrUndefined(binary);
  if (existing) {
    if (existing.isFile() && ownedByUs(existing) && (existing.mode & 0o022) === 0) return ok(binary);
    // Someone else's, a link, or writable by others: never run, built anew.
    rmSync(binary, { force: true });
  }
  const temporary = `${binary}.${process.pid}.tmp`;
  const sources = files.filter((f) => f.endsWith('.c')).map((f) => join(SOURCE_DIR, f));
  const built = await compile([...CFLAGS, '-o', temporary, ...sources]);
  if (!built.ok) {
    rmSync(temporary, { force: true });
    return built;
  }
  // cc's output follows the umask; the check above wants it closed to the group and others.
  chmodSync(temporary, 0o755);
  renameSync(temporary, binary);
  return ok(binary);
}

function lstatOrUndefined(path: string): Stats | undefined {
  try {
    return lstatSync(path);
  } catch {
    return undefined;
  }
}

function ownedByUs(st: Stats): boolean {
  const uid = process.getuid?.();
  return uid === undefined || st.uid === uid;
}

function compile(args: string[]): Promise<Result<void, NativeBuildError>> {
  return new Promise((resolve) => {
    execFile('cc', args, { timeout: 60_000 }, (e, _stdout, stderr) => {
      if (!e) return resolve(ok(undefined));
      if ((e as NodeJS.ErrnoException).code === 'ENOENT') return resolve(err('RELAY_NATIVE_NO_COMPILER', 'no C compiler (cc) found'));
      // The compiler's own diagnostics name our source files only, never call data.
      resolve(err('RELAY_NATIVE_BUILD_FAILED', `cc failed: ${stderr.split('\n').slice(0, 5).join(' | ')}`));
    });
  });
}
