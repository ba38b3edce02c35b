// One running Sotto per data dir.
//
// The lock itself is an exclusive SQLite lock on <data dir>/sotto.lock, held
// for as long as the process runs: SQLite takes it with fcntl(2), which
// exactly one process (one connection) can hold and which the kernel
// releases when the process ends, however it ends. So a crashed or killed
// server leaves nothing to clean up, and two starts racing on its data dir
// cannot both win (a pid file taken over by hand could let them).
//
// Beside it, <data dir>/sotto.pid names the holder (its pid and the
// process's start time) for the message a second start prints; it is
// removed on a clean stop and simply rewritten after a crash. Commands that
// must not run under a live server (`sotto keys rotate`: the server keeps
// the old master key in memory and would go on sealing MFA secrets and new
// practices' keys under it) take the lock for their duration too.
import { closeSync, mkdirSync, openSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';

export class AlreadyRunningError extends Error {
  readonly code = 'SOTTO_ALREADY_RUNNING';
  constructor(readonly pid: number) {
    super(pid > 0 ? `Sotto is already running on this data dir (pid ${pid})` : 'another Sotto is running or starting on this data dir');
    this.name = 'AlreadyRunningError';
  }
}

export interface RunLock {
  release(): void;
}

const lockPath = (dataDir: string) => join(dataDir, 'sotto.lock');
const pidPath = (dataDir: string) => join(dataDir, 'sotto.pid');

/** The kernel's start time of `pid` (clock ticks since boot, /proc/<pid>/stat field 22); undefined when it does not run. */
function startTimeOf(pid: number): string | undefined {
  try {
    const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
    // The command name (field 2) is in parentheses and may hold spaces: count fields after its closing one.
    return stat.slice(stat.lastIndexOf(')') + 2).split(' ')[19];
  } catch {
    return undefined;
  }
}

/** The pid the pid file names when that very process still runs (on Linux: same start time); else undefined. */
function holderOf(text: string | undefined): number | undefined {
  const [pidText, started] = (text ?? '').trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  if (started !== undefined && started !== '') return startTimeOf(pid) === started ? pid : undefined;
  // No /proc where it was written: alive is all that can be told.
  try {
    process.kill(pid, 0);
    return pid;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM' ? pid : undefined;
  }
}

function readQuietly(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Claims the data dir for this process (creating the dir, 0700, on a first
 * start); throws AlreadyRunningError when another process holds it.
 */
export function acquireRunLock(dataDir: string): RunLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = lockPath(dataDir);
  // Created owner-only before SQLite opens it with the umask's mode; it holds no data. Only when
  // missing: closing any descriptor of a file drops every fcntl lock this process holds on it.
  try {
    closeSync(openSync(path, 'wx', 0o600));
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
  }
  // timeout 0: a held lock is an answer at once, not a wait.
  const db = new SQLite(path, { timeout: 0 });
  try {
    db.pragma('locking_mode = EXCLUSIVE');
    db.exec('BEGIN EXCLUSIVE');
  } catch (e) {
    db.close();
    if ((e as { code?: string }).code !== 'SQLITE_BUSY') throw e;
    // 0 when no live process is named: the holder has not written its pid yet, or the file was removed.
    throw new AlreadyRunningError(holderOf(readQuietly(pidPath(dataDir))) ?? 0);
  }
  const content = `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`;
  const temporary = `${pidPath(dataDir)}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  renameSync(temporary, pidPath(dataDir));
  return {
    release() {
      if (readQuietly(pidPath(dataDir)) === content) unlinkQuietly(pidPath(dataDir));
      // Closing the connection ends the transaction and lets the lock go.
      db.close();
    },
  };
}

/** Gone already is as good as removed. */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
