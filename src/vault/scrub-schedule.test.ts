import { describe, expect, it } from 'vitest';
import { ScrubSchedule } from './scrub-schedule.ts';

function recordingLogger() {
  const codes: unknown[] = [];
  const log = (fields: Record<string, unknown>) => codes.push(fields.code);
  return { codes, logger: { info: log, warn: log, error: log } };
}

describe('ScrubSchedule', () => {
  it('runs once for a burst of shreds, after the callers are done', async () => {
    let runs = 0;
    const s = new ScrubSchedule(async () => {
      runs += 1;
      return true;
    }, recordingLogger().logger);
    s.request();
    s.request();
    s.request();
    expect(runs).toBe(0);
    await s.flush();
    expect(runs).toBe(1);
    await s.flush();
    expect(runs).toBe(1);
  });

  it('retries a run that met a reader, says so by code, and stops once it succeeds', async () => {
    const answers = [false, false, true];
    const { codes, logger } = recordingLogger();
    let done!: () => void;
    const finished = new Promise<void>((resolve) => (done = resolve));
    const s = new ScrubSchedule(
      async () => {
        const a = answers.shift() ?? true;
        if (a) done();
        return a;
      },
      logger,
      1,
    );
    s.request();
    await finished;
    await s.flush();
    expect(answers).toEqual([]);
    expect(codes).toEqual(['VAULT_SCRUB_BUSY', 'VAULT_SCRUB_BUSY']);
  });

  it('logs a failed run by code and runs it again at shutdown', async () => {
    const { codes, logger: base } = recordingLogger();
    let warned!: () => void;
    const failed = new Promise<void>((resolve) => (warned = resolve));
    const logger = { ...base, warn: (fields: Record<string, unknown>) => (base.warn(fields), warned()) };
    let runs = 0;
    const s = new ScrubSchedule(
      async () => {
        runs += 1;
        if (runs === 1) throw Object.assign(new Error('disk I/O error'), { code: 'SQLITE_IOERR' });
        return true;
      },
      logger,
      60_000,
    );
    s.request();
    await failed;
    expect(codes).toEqual(['VAULT_SCRUB_FAILED']);
    await s.flush();
    expect(runs).toBe(2);
  });

  it('does nothing when the repositories have nothing to scrub', async () => {
    const s = new ScrubSchedule(undefined, recordingLogger().logger);
    s.request();
    await s.flush();
  });
});
