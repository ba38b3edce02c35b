/**
 * What one log line of a call costs the server: the logger of `sotto start`
 * (pino, the PHI scrub, lines gathered per turn) writing to /dev/null. The
 * line is one the B2BUA writes three times a call (ids and codes only).
 *
 *   npx tsx bench/log-line.ts [lines]
 *
 * Printed: bytes the JS heap allocated per line (bench/support/allocated-bytes.ts)
 * and µs of CPU per line.
 */
import { openSync } from 'node:fs';
import { TurnBatchedDestination } from '../src/app/log-destination.ts';
import { createLogger } from '../src/app/logger.ts';
import { startAllocationMeter } from './support/allocated-bytes.ts';

const LINES = Number(process.argv[2] ?? 200_000);
const logger = createLogger('info', new TurnBatchedDestination(openSync('/dev/null', 'w')));

/** Lines in turns of 50, as calls' lines fall into the event loop's turns under load. */
async function lines(n: number): Promise<void> {
  for (let i = 0; i < n; i++) {
    if (i % 50 === 0) await new Promise(setImmediate);
    logger.info({ event: 'call.started', callId: '01a224deaed4285f144b4c484a1c', deviceId: '01a224de-9daf-7696-8414-b8588cc0824c' }, 'call');
  }
}

await lines(LINES); // warm-up
const meter = startAllocationMeter();
const cpu0 = process.cpuUsage();
await lines(LINES);
const cpu = process.cpuUsage(cpu0);
process.stdout.write(`log lines ${LINES}: ${(meter.stop() / LINES).toFixed(0)} B allocated a line, ${((cpu.user + cpu.system) / LINES).toFixed(2)} µs CPU a line\n`);
