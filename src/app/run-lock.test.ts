import { spawn, spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from './runtime.ts';
import { acquireRunLock, AlreadyRunningError } from './run-lock.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'sotto-lock-'));
/** This process's start time as the pid file records it (/proc/self/stat field 22). */
const ownStart = () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

/** Another process holding the lock on `dir`, as a running server does; resolves once it holds it. */
async function holderProcess(dir: string): Promise<{ pid: number; kill(): Promise<void> }> {
  const hooks = pathToFileURL(join(PROJECT_ROOT, 'scripts', 'register-ts.mjs')).href;
  const module = pathToFileURL(join(PROJECT_ROOT, 'src', 'app', 'run-lock.ts')).href;
  const script = `const { acquireRunLock } = await import(${JSON.stringify(module)}); acquireRunLock(${JSON.stringify(dir)}); console.log('held'); setInterval(() => {}, 1000);`;
  const child = spawn(process.execPath, ['--import', hooks, '--input-type=module', '-e', script], { stdio: ['ignore', 'pipe', 'inherit'] });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  await new Promise<void>((resolve, reject) => {
    child.stdout.once('data', () => resolve());
    child.once('exit', (code) => reject(new Error(`the holder exited (${code})`)));
  });
  return {
    pid: child.pid!,
    async kill() {
      child.kill('SIGKILL');
      await exited;
    },
  };
}

describe('run lock', () => {
  it('is held while taken, refused to a second taker, and gone once released', () => {
    const dir = join(fresh(), 'data');
    const lock = acquireRunLock(dir);
    expect(readFileSync(join(dir, 'sotto.pid'), 'utf8')).toBe(`${process.pid} ${ownStart()}\n`);
    expect(() => acquireRunLock(dir)).toThrow(AlreadyRunningError);
    lock.release();
    expect(existsSync(join(dir, 'sotto.pid'))).toBe(false);
    acquireRunLock(dir).release();
  });

  it('keeps its hold on the data dir when a second taker in the same process is refused', async () => {
    const dir = fresh();
    const lock = acquireRunLock(dir);
    try {
      expect(() => acquireRunLock(dir)).toThrow(AlreadyRunningError);
      // Another process still finds the dir held (a descriptor closed on the lock file would have dropped the lock).
      const hooks = pathToFileURL(join(PROJECT_ROOT, 'scripts', 'register-ts.mjs')).href;
      const module = pathToFileURL(join(PROJECT_ROOT, 'src', 'app', 'run-lock.ts')).href;
      const script = `const { acquireRunLock } = await import(${JSON.stringify(module)}); try { acquireRunLock(${JSON.stringify(dir)}); console.log('taken'); } catch (e) { console.log(e.code); }`;
      const r = spawnSync(process.execPath, ['--import', hooks, '--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
      expect(r.stdout.trim()).toBe('SOTTO_ALREADY_RUNNING');
    } finally {
      lock.release();
    }
  });

  it("refuses a start while another process holds the data dir, naming it, and takes the dir once that process is killed outright", async () => {
    const dir = fresh();
    const holder = await holderProcess(dir);
    try {
      expect(() => acquireRunLock(dir)).toThrow(expect.objectContaining({ code: 'SOTTO_ALREADY_RUNNING', pid: holder.pid }));
    } finally {
      await holder.kill();
    }
    // SIGKILL ran no clean-up: its pid file is still there, and the kernel let the lock go.
    expect(readFileSync(join(dir, 'sotto.pid'), 'utf8')).toMatch(new RegExp(`^${holder.pid} `));
    const lock = acquireRunLock(dir);
    expect(readFileSync(join(dir, 'sotto.pid'), 'utf8')).toBe(`${process.pid} ${ownStart()}\n`);
    lock.release();
  });

  it('still refuses a second start when the pid file was deleted under a running server', async () => {
    const dir = fresh();
    const holder = await holderProcess(dir);
    try {
      rmSync(join(dir, 'sotto.pid'));
      expect(() => acquireRunLock(dir)).toThrow(expect.objectContaining({ code: 'SOTTO_ALREADY_RUNNING', message: 'another Sotto is running or starting on this data dir' }));
    } finally {
      await holder.kill();
    }
  });

  it('takes the data dir whatever a pid file left behind says: a dead pid, or one the kernel gave another process', () => {
    const dir = fresh();
    writeFileSync(join(dir, 'sotto.pid'), `${process.pid} 1\n`);
    acquireRunLock(dir).release();
    writeFileSync(join(dir, 'sotto.pid'), '999999999 12345\n');
    acquireRunLock(dir).release();
  });

  it('leaves alone a pid file that is not its own when releasing', () => {
    const dir = fresh();
    const lock = acquireRunLock(dir);
    writeFileSync(join(dir, 'sotto.pid'), `${process.pid} ${ownStart()} other\n`);
    lock.release();
    expect(existsSync(join(dir, 'sotto.pid'))).toBe(true);
  });
});
