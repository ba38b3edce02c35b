// One running Sotto per data dir.
//
// `sotto start` writes <data dir>/sotto.pid (its pid and the process's
// start time, so a pid the kernel has since given to another program is
// not taken for Sotto) and removes it on a clean stop; after a crash the
// file names a dead or different process and is taken over. Commands that
// must not run under a live server (`sotto keys rotate`: the server keeps
// the old master key in memory and would go on sealing MFA secrets and new
// practices' keys under it) take the lock for their duration too.
import { linkSync, mkdirSync, readFileSync, unlinkSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

export class AlreadyRunningError extends Error {
  readonly code = 'SOTTO_ALREADY_RUNNING';
  constructor(readonly pid: number) {
    super(pid > 0 ? `Sotto is already running on this data dir (pid ${pid})` : 'another Sotto is starting on this data dir');
    this.name = 'AlreadyRunningError';
  }
}

export interface RunLock {
  release(): void;
}

const lockPath = (dataDir: string) => join(dataDir, 'sotto.pid');

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

/** Whether the lock file's content names a live process (on Linux, that very process: same start time). */
function holderOf(text: string): number | undefined {
  const [pidText, started] = text.trim().split(' ');
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

function readLock(path: string): string | undefined {
  try {
    return readFileSync(path, 'utf8');
  } catch {
    return undefined;
  }
}

/**
 * Claims the data dir for this process (creating the dir, 0700, on a first
 * start); throws AlreadyRunningError when a live server holds it.
 *
 * The file appears whole or not at all: written under a name of its own,
 * then linked into place (link fails if the name exists, so two starts
 * cannot both create it). A lock left by a dead server is removed only
 * if it still holds what was judged stale, then the link is tried once
 * more; a start that loses that race gives up rather than take the lock
 * from the winner. (Between that re-read and the unlink a second start
 * could still slip in; two starts within microseconds of each other on a
 * crashed server's data dir is the one case left.)
 */
export function acquireRunLock(dataDir: string): RunLock {
  mkdirSync(dataDir, { recursive: true, mode: 0o700 });
  const path = lockPath(dataDir);
  const content = `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`;
  const temporary = `${path}.${process.pid}.tmp`;
  writeFileSync(temporary, content, { mode: 0o600 });
  try {
    for (let attempt = 0; ; attempt++) {
      try {
        linkSync(temporary, path);
        break;
      } catch (e) {
        if ((e as NodeJS.ErrnoException).code !== 'EEXIST') throw e;
        const seen = readLock(path);
        const holder = seen === undefined ? undefined : holderOf(seen);
        if (holder !== undefined || attempt > 0) throw new AlreadyRunningError(holder ?? 0);
        // Left by a server that crashed or was killed: removed if it is still that file.
        if (seen !== undefined && readLock(path) === seen) unlinkQuietly(path);
      }
    }
  } finally {
    unlinkQuietly(temporary);
  }
  return {
    release() {
      if (readLock(path) === content) unlinkQuietly(path);
    },
  };
}

/** Gone already (another start took a stale lock away first) is as good as removed. */
function unlinkQuietly(path: string): void {
  try {
    unlinkSync(path);
  } catch (e) {
    if ((e as NodeJS.ErrnoException).code !== 'ENOENT') throw e;
  }
}
