// Message-waiting lamps for changes made outside this process.
//
// The voicemail store tells MWI of every message it commits, marks heard or
// deletes (its onChange listeners), but only within this process. The CLI
// (`sotto voicemail delete`, `sotto voicemail heard`) runs in another one,
// so a phone's lamp kept showing a deleted message until the next restart.
//
// Here the lamps are re-read when something else may have changed the
// messages: on SQLite when another connection has committed (PRAGMA
// data_version, checked each second: a read of the pager's counter, not of
// any table), on PostgreSQL every 5 s. Only boxes with subscribers are
// read, and only those whose counts moved get a NOTIFY (MwiService.resync).
import type SQLite from 'better-sqlite3';
import type { MwiService } from '../pbx/mwi/index.ts';

export const RESYNC_SQLITE_MS = 1_000;
export const RESYNC_POSTGRES_MS = 5_000;

export interface ResyncLogger {
  warn(fields: Record<string, unknown>, message: string): void;
}

/** Starts the checks; returns the function that stops them. */
export function resyncLampsOnOutsideChanges(
  sqlite: SQLite.Database | undefined,
  mwi: Pick<MwiService, 'resync' | 'subscriptions'>,
  log: ResyncLogger,
  intervalMs = sqlite ? RESYNC_SQLITE_MS : RESYNC_POSTGRES_MS,
): () => void {
  // Changes only when another connection commits: this process's own writes leave it be (they are told through onChange).
  const dataVersion = sqlite?.prepare<[], number>('PRAGMA data_version').pluck();
  let seen: number | undefined;
  let running = false;
  const failed = (e: unknown) => log.warn({ event: 'mwi.resync_failed', error: e instanceof Error ? e.name : 'unknown' }, 'mwi');
  const tick = async (): Promise<void> => {
    const now = dataVersion?.get();
    if (dataVersion && now === seen) return;
    await mwi.resync();
    // Only once the counts were read: a failed read is tried again at the next tick.
    seen = now;
  };
  seen = dataVersion?.get();
  const timer = setInterval(() => {
    if (running || mwi.subscriptions === 0) return;
    running = true;
    // tick() may throw before its first await (the database closed, busy): caught like a failed resync, never an uncaught exception.
    Promise.resolve()
      .then(tick)
      .catch(failed)
      .finally(() => {
        running = false;
      });
  }, intervalMs);
  timer.unref();
  return () => clearInterval(timer);
}
