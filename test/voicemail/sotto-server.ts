// `sotto start` as a child process the voicemail end-to-end test can kill -9
// mid-recording: config from the environment (SOTTO_*), the same runtime and
// server as the CLI, and one JSON line on stdout once it listens.
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { startServer } from '../../src/app/server.ts';

const config = loadConfig(process.env);
const rt = await openRuntime(config, createLogger(config.logLevel));
const sotto = await startServer(rt);
process.stdout.write(`${JSON.stringify({ ready: true, httpUrl: sotto.httpUrl, sipPort: sotto.sip.ports.udp })}\n`);
const stop = async () => {
  await sotto.stop();
  await rt.close();
  process.exit(0);
};
process.once('SIGTERM', () => void stop());
process.once('SIGINT', () => void stop());
