import { defaultSipDomain, loadConfig } from '../../app/config.ts';
import { stdoutLogDestination } from '../../app/log-destination.ts';
import { createLogger } from '../../app/logger.ts';
import { openRuntime } from '../../app/runtime.ts';
import { acquireRunLock, type RunLock } from '../../app/run-lock.ts';
import { startServer } from '../../app/server.ts';
import { listPractices } from '../../directory/index.ts';
import { engineStatus } from '../../transcribe/index.ts';
import { transcriberConfig } from '../../app/transcription.ts';
import { startBanner } from './start-banner.ts';

export async function startCommand(): Promise<number> {
  const config = loadConfig();
  const logOut = stdoutLogDestination();
  const logger = createLogger(config.logLevel, logOut);
  // Owned before anything is opened: start-up recovery treats objects mid-write as a crash's, so only the owner may run it.
  const lock: RunLock = acquireRunLock(config.dataDir);
  let rt;
  try {
    rt = await openRuntime(config, logger);
  } catch (e) {
    lock.release();
    throw e;
  }
  let running;
  try {
    running = await startServer(rt);
  } catch (e) {
    lock.release();
    await rt.close();
    throw e;
  }
  const practices = await listPractices(rt.database.db);
  const stt = await engineStatus(transcriberConfig(config)).catch(() => undefined);
  // The address staff use (SOTTO_PUBLIC_URL) when set: email links are made for it. Sign-in works at both.
  const lines = startBanner({
    version: rt.version,
    portal: config.publicUrlSet ? config.publicUrl : running.httpUrl,
    httpUrl: running.httpUrl,
    sipPorts: running.sip.ports,
    transcription: stt?.available ? `${stt.engine}, on this machine (no audio leaves it)` : `not available${stt?.install ? `: install with \`${stt.install}\`` : ''}`,
    dataDir: config.dataDir,
    database: config.database.kind === 'sqlite' ? `SQLite ${config.database.path}` : 'PostgreSQL (SOTTO_DATABASE_URL)',
    masterKeyFile: config.masterKeyFile,
    practiceCount: practices.length,
    smtpSet: config.smtpUrl !== undefined,
    publicUrlSet: config.publicUrlSet,
    publicUrl: config.publicUrl,
    sipDomains: practices.length > 0 ? practices.map((p) => p.sipDomain) : [defaultSipDomain(config)],
  });
  // Start-up's log lines first (they are written at the end of an event-loop turn), then the banner.
  logOut.flush();
  process.stdout.write(lines.join('\n') + '\n\n');
  logger.info({ event: 'started', http: running.httpUrl }, 'sotto started');

  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  logger.info({ event: 'stopping' }, 'sotto stopping');
  await running.stop();
  await rt.close();
  lock.release();
  return 0;
}
