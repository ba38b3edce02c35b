// Preloaded into a server (NODE_OPTIONS=--import=<this file>: node 20 refuses
// --cpu-prof there): the first SIGUSR2 starts the V8 CPU profiler, the second
// writes the profile to $BENCH_CPU_PROFILE_DIR/<pid>.cpuprofile. So a
// benchmark profiles only its measured window, not start-up or warm-up.
import { Session } from 'node:inspector';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';

const dir = process.env.BENCH_CPU_PROFILE_DIR ?? '.';
let session;
process.on('SIGUSR2', () => {
  if (!session) {
    session = new Session();
    session.connect();
    session.post('Profiler.enable');
    session.post('Profiler.setSamplingInterval', { interval: 200 });
    session.post('Profiler.start');
    return;
  }
  session.post('Profiler.stop', (err, result) => {
    if (!err) writeFileSync(join(dir, `${process.pid}.cpuprofile`), JSON.stringify(result.profile));
    session.disconnect();
    session = undefined;
  });
});
