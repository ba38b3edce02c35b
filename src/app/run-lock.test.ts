import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { acquireRunLock, AlreadyRunningError } from './run-lock.ts';

const fresh = () => mkdtempSync(join(tmpdir(), 'sotto-lock-'));
/** This process's start time as the lock file records it (/proc/self/stat field 22). */
const ownStart = () => {
  const stat = readFileSync('/proc/self/stat', 'utf8');
  return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
};

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

  it('takes over a lock left by a server that died, or whose pid now belongs to another process', () => {
    const dir = fresh();
    // A live pid (ours) with another start time: the kernel gave the dead server's pid to someone else.
    writeFileSync(join(dir, 'sotto.pid'), `${process.pid} 1\n`);
    const lock = acquireRunLock(dir);
    lock.release();
    writeFileSync(join(dir, 'sotto.pid'), '999999999 12345\n');
    acquireRunLock(dir).release();
  });

  it('leaves alone a lock that is not its own when releasing', () => {
    const dir = fresh();
    const lock = acquireRunLock(dir);
    writeFileSync(join(dir, 'sotto.pid'), `${process.pid} ${ownStart()} other\n`);
    lock.release();
    expect(existsSync(join(dir, 'sotto.pid'))).toBe(true);
  });
});
