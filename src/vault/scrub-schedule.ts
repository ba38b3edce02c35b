// After keys are destroyed (a shred, a purge, an aborted write), the
// database may still hold their old bytes in page images of its own (SQLite's
// write-ahead log; see VaultRepositories.scrub). Scrubbing costs a checkpoint
// (a few ms of fsync on the event loop), so requests are coalesced: one run
// shortly after the last shred, not one per object, and never inside the
// caller's own work (its transaction may still be open). A run that meets a
// reader in another process gives up at once rather than wait (it would stall
// the event loop) and is retried later; the keys are already gone from every
// live row, so this is hygiene with a bounded number of attempts, not a
// condition of the shred.

import type { VaultLogger } from './vault-context.ts';

/** Attempts after a busy or failed run before waiting for the next shred. */
const MAX_ATTEMPTS = 12;
const RETRY_MS = 5_000;

export class ScrubSchedule {
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #owed = false;
  #attempts = 0;

  constructor(
    private readonly scrub: (() => Promise<boolean>) | undefined,
    private readonly logger: VaultLogger,
    private readonly retryMs = RETRY_MS,
  ) {}

  /** Keys were destroyed: scrub soon. */
  request(): void {
    if (!this.scrub) return;
    this.#owed = true;
    this.#attempts = 0;
    this.#arm(0);
  }

  /** Shutdown: one last run if one is owed (a CLI deletion exits right after). */
  async flush(): Promise<void> {
    clearTimeout(this.#timer);
    this.#timer = undefined;
    await this.#running;
    if (this.#owed) await this.#run();
    clearTimeout(this.#timer);
    this.#timer = undefined;
  }

  #arm(delayMs: number): void {
    if (this.#timer || this.#running) return;
    this.#timer = setTimeout(() => {
      this.#timer = undefined;
      void this.#run().then(() => {
        if (this.#owed && this.#attempts < MAX_ATTEMPTS) this.#arm(this.retryMs);
      });
    }, delayMs);
    this.#timer.unref();
  }

  #run(): Promise<void> {
    const scrub = this.scrub;
    if (!scrub) return Promise.resolve();
    this.#owed = false;
    this.#attempts += 1;
    this.#running = scrub()
      .then((done) => {
        if (done) return;
        this.#owed = true;
        this.logger.warn({ code: 'VAULT_SCRUB_BUSY', attempt: this.#attempts }, 'destroyed keys not yet scrubbed from the database log: another process holds a read; retrying');
      })
      .catch((err: unknown) => {
        this.#owed = true;
        this.logger.warn({ code: 'VAULT_SCRUB_FAILED', attempt: this.#attempts, errCode: (err as { code?: unknown }).code }, 'destroyed keys not yet scrubbed from the database log');
      })
      .finally(() => {
        this.#running = undefined;
      });
    return this.#running;
  }
}
