import pino from 'pino';
import { loadConfig } from '../app/config.ts';
import { createLogger } from '../app/logger.ts';
import { openRuntime, type OpenRuntimeOptions, type Runtime } from '../app/runtime.ts';
import { listPractices, type Practice } from '../directory/index.ts';
import { CliError } from './output.ts';

/** Commands other than `start` log warnings only, to stderr, so stdout stays clean for --json. */
/** `finishingRotation`: `sotto keys`, which opens a data dir whose rotation stopped part-way (to finish or show it). */
export async function cliRuntime(options: Pick<OpenRuntimeOptions, 'finishingRotation' | 'inspectAudit'> = {}): Promise<Runtime> {
  const config = loadConfig();
  // Never recovers: a server may be writing in the same data dir (recovery is `sotto start`'s, under its run lock).
  return openRuntime(config, createLogger('warn', pino.destination(2)), { recover: false, ...options });
}

export async function withRuntime<T>(fn: (rt: Runtime) => Promise<T>, options: Pick<OpenRuntimeOptions, 'finishingRotation' | 'inspectAudit'> = {}): Promise<T> {
  const rt = await cliRuntime(options);
  try {
    return await fn(rt);
  } finally {
    await rt.close();
  }
}

/** The practice a command acts on: --practice, or the only one there is. */
export async function selectPractice(rt: Runtime, practiceId: string | undefined): Promise<Practice> {
  const practices = await listPractices(rt.database.db);
  if (practiceId) {
    const p = practices.find((x) => x.id === practiceId);
    if (!p) throw new CliError('PRACTICE_NOT_FOUND', `no practice with id ${practiceId}`);
    return p;
  }
  if (practices.length === 0) throw new CliError('NO_PRACTICE', 'no practice yet: run `npx sotto admin create --email … --name …` or `npx sotto demo`');
  if (practices.length > 1) throw new CliError('PRACTICE_AMBIGUOUS', `${practices.length} practices exist: choose one with --practice <id>`);
  return practices[0]!;
}
