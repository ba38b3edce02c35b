// Preloaded into a server (NODE_OPTIONS=--import=<this file>: node 20 refuses
// --cpu-prof there): the first SIGUSR2 starts the V8 CPU profiler and counts
// garbage collections, the second writes the profile to
// $BENCH_CPU_PROFILE_DIR/<pid>.cpuprofile and the collections (count and
// main-thread pause by kind) to <pid>.gc.json. So a benchmark profiles only
// its measured window, not start-up or warm-up.
import { Session } from 'node:inspector';
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { PerformanceObserver, constants } from 'node:perf_hooks';

const dir = process.env.BENCH_CPU_PROFILE_DIR ?? '.';
const KINDS = { [constants.NODE_PERFORMANCE_GC_MINOR]: 'minor', [constants.NODE_PERFORMANCE_GC_MAJOR]: 'major', [constants.NODE_PERFORMANCE_GC_INCREMENTAL]: 'incremental', [constants.NODE_PERFORMANCE_GC_WEAKCB]: 'weakcb' };
let session;
let gc;
let observer;
process.on('SIGUSR2', () => {
  if (!session) {
    gc = {};
    observer = new PerformanceObserver((list) => {
      for (const e of list.getEntries()) {
        const kind = KINDS[e.detail?.kind] ?? String(e.detail?.kind);
        const g = (gc[kind] ??= { count: 0, ms: 0 });
        g.count++;
        g.ms += e.duration;
      }
    });
    observer.observe({ entryTypes: ['gc'] });
    session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: Number(process.env.BENCH_CPU_PROFILE_INTERVAL_US ?? 500) });
    session.post('Profiler.start');
    return;
  }
  observer.disconnect();
  // BENCH_SETUP_PROFILE=/tmp/new-dir: made here, or the write would throw in the server and the profile be lost.
  mkdirSync(dir, { recursive: true });
  writeFileSync(join(dir, `${process.pid}.gc.json`), JSON.stringify({ ...gc, heapUsedMb: process.memoryUsage().heapUsed / 1048576 }));
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    session.disconnect();
    session = undefined;
  });
});
