// CPU time used by a server and everything it forked (Kamailio runs one
// process per worker; `npx sotto start` is node under npm), read from
// /proc/<pid>/stat: utime + stime of every live process in the tree (threads
// are already inside their process's figures), plus cutime + cstime, the time
// of children that exited and were waited for: counted live only, a child
// exiting mid-measurement (Sotto's prompt renderer after start, a compiler)
// would take its time out of the tree and make a step's figure fall, even
// below zero. Linux only.
import { execFileSync } from 'node:child_process';
import { readdirSync, readFileSync } from 'node:fs';

let ticksPerSecond: number | undefined;

function clockTicks(): number {
  ticksPerSecond ??= Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim()) || 100;
  return ticksPerSecond;
}

interface ProcStat {
  pid: number;
  ppid: number;
  ticks: number;
}

function readStat(pid: number): ProcStat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // The command name (field 2) may hold spaces and parentheses: fields after
  // the last ')' are fixed. proc(5): state is field 3, ppid 4, utime 14,
  // stime 15, cutime 16, cstime 17.
  const rest = text.slice(text.lastIndexOf(')') + 2).split(' ');
  const ppid = Number(rest[1]);
  const own = Number(rest[11]) + Number(rest[12]);
  const reaped = Number(rest[13]) + Number(rest[14]);
  return { pid, ppid, ticks: own + reaped };
}

/** The pid and all its live descendants. */
export function processTree(rootPid: number): number[] {
  const children = new Map<number, number[]>();
  for (const entry of readdirSync('/proc')) {
    if (!/^\d+$/.test(entry)) continue;
    const st = readStat(Number(entry));
    if (!st) continue;
    const list = children.get(st.ppid) ?? [];
    list.push(st.pid);
    children.set(st.ppid, list);
  }
  const out: number[] = [];
  const queue = [rootPid];
  while (queue.length > 0) {
    const pid = queue.shift() as number;
    out.push(pid);
    queue.push(...(children.get(pid) ?? []));
  }
  return out;
}

/** User + system CPU milliseconds of the process tree so far, reaped children included (clock-tick resolution). */
export function processTreeCpuMs(rootPid: number): number {
  let ticks = 0;
  for (const pid of processTree(rootPid)) ticks += readStat(pid)?.ticks ?? 0;
  return (ticks * 1000) / clockTicks();
}
