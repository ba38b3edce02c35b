// One running Sotto per data dir, and a way for the CLI to know one runs.
//
// `sotto start` writes <data dir>/sotto.pid (its pid and the process's
// start time, so a pid the kernel has since given to another program is
// not taken for Sotto) and removes it on a clean stop; after a crash the
// file names a dead or different process and is taken over. Commands that
// must not run under a live server (`sotto keys rotate`: the server keeps
// the old master key in memory and would go on sealing MFA secrets and new
// practices' keys under it) ask runningServer() first.
import { closeSync, openSync, readFileSync, unlinkSync, writeSync } from 'node:fs';
import { join } from 'node:path';

export class AlreadyRunningError extends Error {
  readonly code = 'SOTTO_ALREADY_RUNNING';
  constructor(readonly pid: number) {
    super(`Sotto is already running on this data dir (pid ${pid})`);
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

/** The pid of the Sotto server running on `dataDir`, if one is. */
export function runningServer(dataDir: string): number | undefined {
  let text: string;
  try {
    text = readFileSync(lockPath(dataDir), 'utf8');
  } catch {
    return undefined;
  }
  const [pidText, started] = text.trim().split(' ');
  const pid = Number(pidText);
  if (!Number.isInteger(pid) || pid <= 0) return undefined;
  return started !== undefined && startTimeOf(pid) === started ? pid : undefined;
}

/** Claims the data dir for this process; throws AlreadyRunningError when a live server holds it. */
export function acquireRunLock(dataDir: string): RunLock {
  const path = lockPath(dataDir);
  const content = `${process.pid} ${startTimeOf(process.pid) ?? ''}\n`;
  for (let attempt = 0; ; attempt++) {
    try {
      const fd = openSync(path, 'wx', 0o600);
      writeSync(fd, content);
      closeSync(fd);
      break;
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code !== 'EEXIST' || attempt > 0) throw e;
      const holder = runningServer(dataDir);
      if (holder !== undefined && holder !== process.pid) throw new AlreadyRunningError(holder);
      // Left by a server that crashed (or was killed): taken over.
      unlinkSync(path);
    }
  }
  return {
    release() {
      try {
        if (readFileSync(path, 'utf8') === content) unlinkSync(path);
      } catch {
        // Already gone: nothing to release.
      }
    },
  };
}
