// Delivers queued notices: outbox -> resolve -> render -> send, with bounded
// retries on an injected scheduler.
//
// When a voicemail notice that carries PHI (recording, transcript) cannot
// get TLS (NOTIFY_TLS_REQUIRED), the notifier by default sends the PHI-free
// notice instead, saying that the recording and transcript were left out
// because the mail server would not encrypt, and logs the code. The user
// still learns a message is waiting (the point of the notice) and no PHI
// crosses the wire in clear. `onTlsUnavailable: 'fail'` keeps the entry as
// failed instead. A certificate that fails verification is never worked
// around: that is NOTIFY_TLS_UNTRUSTED for every notice.
import { NotifyError, type NotifyErrorCode } from './errors.ts';
import { silentLogger, type LogFields, type NotifyLogger } from './logger.ts';
import { carriesPhi, type RenderedMail } from './mail.ts';
import type { MailSender } from './mailer.ts';
import type { NoticeJob, SecurityJob, VoicemailJob } from './notice-job.ts';
import type { OutboxEntry, OutboxStore } from './outbox.ts';
import { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from './retry-policy.ts';
import { systemScheduler, type Scheduler } from './scheduler.ts';
import { renderSecurityNotice, type SecurityNoticeInput } from './templates/security-notice.ts';
import { renderVoicemailNotice, withoutPhi, type VoicemailNoticeInput } from './templates/voicemail-notice.ts';

/**
 * Reads, at send time, what a job refers to. Returns null when the notice
 * should no longer go: the voicemail was deleted, the user is gone, or
 * their notices were switched off. The decisions come from
 * src/policy decideForUser, evaluated now, not when the job was queued.
 */
export interface NoticeResolver {
  voicemail(job: VoicemailJob): Promise<{ to: string; input: VoicemailNoticeInput } | null>;
  security(job: SecurityJob): Promise<{ practiceName: string; portalUrl: string; timeZone?: string } | null>;
  /**
   * The mail server took a notice carrying `what` (the practice chose it):
   * records the disclosure. Called once, after the send, and only for the
   * mail that went: a notice sent without its PHI (no TLS), or not sent,
   * disclosed nothing and must not read as if it had.
   */
  disclosed?(job: VoicemailJob, what: { audio: boolean; transcript: boolean }): Promise<void>;
}

export type DeliveryOutcome =
  | { outboxId: string; status: 'sent'; attempt: number; phiWithheld: boolean }
  | { outboxId: string; status: 'retrying'; attempt: number; code: NotifyErrorCode; nextAttemptAt: number }
  | { outboxId: string; status: 'failed'; attempt: number; code: NotifyErrorCode }
  | { outboxId: string; status: 'dropped'; attempt: number; code: 'NOTIFY_NOTICE_GONE' };

export interface NotifierOptions {
  mailer: MailSender;
  store: OutboxStore;
  resolver: NoticeResolver;
  scheduler?: Scheduler;
  retry?: Partial<RetryPolicy>;
  /** How long a claimed entry stays away from other workers; longer than any send. */
  leaseMs?: number;
  /** Entries handled per claim. */
  batchSize?: number;
  /** Sends in flight at once. A server's greeting alone can take 100 ms, so one at a time is slow for a burst. */
  concurrency?: number;
  onTlsUnavailable?: 'send-without-phi' | 'fail';
  /**
   * Also looks at the outbox this often, for notices another process queued
   * (`sotto user password` and `mfa-reset` queue the account's security
   * notice for the running server to send). Unset: only this process's.
   */
  pollIntervalMs?: number;
  logger?: NotifyLogger;
  /** Called after every attempt (tests wait on it; the app may count it). */
  onOutcome?: (outcome: DeliveryOutcome) => void;
}

type Resolved =
  | { kind: 'voicemail'; to: string; input: VoicemailNoticeInput }
  | { kind: 'security'; to: string; input: SecurityNoticeInput }
  | null;

type Prepared = { to: string; mail: RenderedMail; fallback?: () => RenderedMail };

export class Notifier {
  readonly #mailer: MailSender;
  readonly #store: OutboxStore;
  readonly #resolver: NoticeResolver;
  readonly #scheduler: Scheduler;
  readonly #retry: RetryPolicy;
  readonly #leaseMs: number;
  readonly #batchSize: number;
  readonly #concurrency: number;
  readonly #fallback: boolean;
  readonly #pollMs: number | undefined;
  readonly #logger: NotifyLogger;
  readonly #onOutcome: ((o: DeliveryOutcome) => void) | undefined;

  #started = false;
  #cancelTimer: (() => void) | undefined;
  /** Passes run one after another; a pass asked for while one waits to start joins it. */
  #tail: Promise<unknown> = Promise.resolve();
  #queued: Promise<DeliveryOutcome[]> | undefined;

  constructor(options: NotifierOptions) {
    this.#mailer = options.mailer;
    this.#store = options.store;
    this.#resolver = options.resolver;
    this.#scheduler = options.scheduler ?? systemScheduler;
    this.#retry = { ...DEFAULT_RETRY_POLICY, ...options.retry };
    this.#leaseMs = options.leaseMs ?? 5 * 60_000;
    this.#batchSize = options.batchSize ?? 20;
    this.#concurrency = Math.max(1, options.concurrency ?? 4);
    this.#fallback = (options.onTlsUnavailable ?? 'send-without-phi') === 'send-without-phi';
    this.#pollMs = options.pollIntervalMs;
    this.#logger = options.logger ?? silentLogger;
    this.#onOutcome = options.onOutcome;
  }

  /** Begins delivering: runs what is due now (entries left from before a restart too) and arms the timer. */
  start(): Promise<DeliveryOutcome[]> {
    this.#started = true;
    return this.runDue();
  }

  /** Stops the timer and waits for a pass in flight. Queued entries stay in the store. */
  async stop(): Promise<void> {
    this.#started = false;
    this.#cancelTimer?.();
    this.#cancelTimer = undefined;
    await this.#tail;
  }

  /**
   * Queues a notice and, once started, tries it right away (without making
   * the caller wait for SMTP: the returned entry is the stored job).
   */
  async enqueue(job: NoticeJob): Promise<OutboxEntry> {
    const entry = await this.#store.add(job, this.#scheduler.now());
    this.#logger.info({ outboxId: entry.id, kind: entry.job.kind }, 'notify.queued');
    if (this.#started) void this.runDue();
    return entry;
  }

  /** Resolves once no pass is running or queued (tests wait on this, then move the clock). */
  async idle(): Promise<void> {
    let seen: Promise<unknown>;
    do {
      seen = this.#tail;
      await seen;
    } while (seen !== this.#tail);
  }

  /** One delivery pass over everything due now. */
  runDue(): Promise<DeliveryOutcome[]> {
    if (this.#queued !== undefined) return this.#queued;
    const pass = this.#tail.then(() => {
      this.#queued = undefined;
      return this.#pass();
    });
    this.#queued = pass;
    this.#tail = pass.catch((e: unknown) => {
      // A store failure: logged by code, the timer re-armed so it is tried again.
      this.#logger.error({ code: (e as { code?: string }).code ?? 'store_error' }, 'notify.pass_failed');
      this.#arm(this.#scheduler.now() + this.#retry.initialDelayMs);
    });
    return pass;
  }

  async #pass(): Promise<DeliveryOutcome[]> {
    const outcomes: DeliveryOutcome[] = [];
    for (;;) {
      const now = this.#scheduler.now();
      const batch = await this.#store.claimDue(now, now + this.#leaseMs, this.#batchSize);
      const waiting = [...batch];
      const worker = async () => {
        for (let entry = waiting.shift(); entry !== undefined; entry = waiting.shift()) {
          const outcome = await this.#deliver(entry);
          outcomes.push(outcome);
          this.#onOutcome?.(outcome);
        }
      };
      await Promise.all(Array.from({ length: Math.min(this.#concurrency, batch.length) }, worker));
      if (batch.length < this.#batchSize) break;
    }
    const due = await this.#store.nextDueAt();
    const poll = this.#pollMs === undefined ? undefined : this.#scheduler.now() + this.#pollMs;
    const next = due === undefined ? poll : poll === undefined ? due : Math.min(due, poll);
    if (next !== undefined) this.#arm(next);
    return outcomes;
  }

  #arm(at: number): void {
    if (!this.#started) return;
    this.#cancelTimer?.();
    this.#cancelTimer = this.#scheduler.setTimer(at - this.#scheduler.now(), () => {
      this.#cancelTimer = undefined;
      void this.runDue();
    });
  }

  /** Reads what the job refers to (may hold PHI: kept in memory for this attempt only). */
  async #resolve(job: NoticeJob): Promise<Resolved> {
    if (job.kind === 'voicemail') {
      const found = await this.#resolver.voicemail(job);
      return found === null ? null : { kind: 'voicemail', ...found };
    }
    const ctx = await this.#resolver.security(job);
    if (ctx === null) return null;
    return {
      kind: 'security',
      to: job.to,
      input: {
        practiceName: ctx.practiceName,
        portalUrl: ctx.portalUrl,
        timeZone: ctx.timeZone,
        event: job.event,
        occurredAt: new Date(job.occurredAt),
        context: { ipAddress: job.ipAddress, userAgent: job.userAgent },
      },
    };
  }

  #render(resolved: NonNullable<Resolved>): Prepared {
    if (resolved.kind === 'security') return { to: resolved.to, mail: renderSecurityNotice(resolved.input) };
    const { input } = resolved;
    return { to: resolved.to, mail: renderVoicemailNotice(input), fallback: () => renderVoicemailNotice(withoutPhi(input)) };
  }

  async #deliver(entry: OutboxEntry): Promise<DeliveryOutcome> {
    const attempt = entry.attempts;
    const fields: LogFields = { outboxId: entry.id, kind: entry.job.kind, attempt, messageId: entry.job.kind === 'voicemail' ? entry.job.messageId : undefined };

    let resolved: Resolved;
    try {
      resolved = await this.#resolve(entry.job);
    } catch {
      // Most likely the database; worth another try.
      return this.#failed(entry, attempt, new NotifyError('NOTIFY_SOURCE_UNAVAILABLE', 'could not read what the notice refers to'), fields);
    }
    if (resolved === null) {
      await this.#store.complete(entry.id);
      this.#logger.info({ ...fields, code: 'NOTIFY_NOTICE_GONE' }, 'notify.dropped');
      return { outboxId: entry.id, status: 'dropped', attempt, code: 'NOTIFY_NOTICE_GONE' };
    }
    let prepared: Prepared;
    try {
      prepared = this.#render(resolved);
    } catch {
      // The template refused its input: a bug upstream that a retry will not fix.
      return this.#failed(entry, attempt, new NotifyError('NOTIFY_RENDER_FAILED', 'the notice template refused its input'), fields);
    }

    let sent = await this.#mailer.send({ to: prepared.to, mail: prepared.mail, logRef: entry.id });
    let phiWithheld = false;
    if (!sent.ok && sent.error.code === 'NOTIFY_TLS_REQUIRED' && this.#fallback && prepared.fallback !== undefined && carriesPhi(prepared.mail)) {
      this.#logger.warn({ ...fields, code: sent.error.code }, 'notify.phi_withheld_no_tls');
      const plain = prepared.fallback();
      if (carriesPhi(plain)) throw new Error('notifier: the PHI-free fallback still carries PHI');
      sent = await this.#mailer.send({ to: prepared.to, mail: plain, logRef: entry.id });
      phiWithheld = true;
    }
    if (sent.ok) {
      if (!phiWithheld && entry.job.kind === 'voicemail' && resolved.kind === 'voicemail' && carriesPhi(prepared.mail)) {
        await this.#recordDisclosure(entry.job, resolved.input, fields);
      }
      await this.#store.complete(entry.id);
      this.#logger.info({ ...fields, phiWithheld }, 'notify.sent');
      return { outboxId: entry.id, status: 'sent', attempt, phiWithheld };
    }
    return this.#failed(entry, attempt, sent.error, fields);
  }

  async #recordDisclosure(job: VoicemailJob, input: VoicemailNoticeInput, fields: LogFields): Promise<void> {
    const what = {
      audio: input.decisions.voicemail_email_audio.enabled && input.audio !== undefined,
      transcript: input.decisions.voicemail_email_transcript.enabled && input.transcript !== undefined && input.transcript.trim() !== '',
    };
    try {
      await this.#resolver.disclosed?.(job, what);
    } catch {
      // The mail is gone already: sending it again would disclose twice. Say so loudly, by code.
      this.#logger.error({ ...fields, code: 'NOTIFY_DISCLOSURE_UNRECORDED' }, 'notify.disclosure_unrecorded');
    }
  }

  async #failed(entry: OutboxEntry, attempt: number, error: NotifyError, fields: LogFields): Promise<DeliveryOutcome> {
    const delay = error.retryable ? retryDelay(this.#retry, attempt) : undefined;
    if (delay !== undefined) {
      const nextAttemptAt = this.#scheduler.now() + delay;
      await this.#store.retryLater(entry.id, nextAttemptAt, error.code);
      this.#logger.warn({ ...fields, code: error.code, smtpStatus: error.smtpStatus, retryInMs: delay }, 'notify.retrying');
      return { outboxId: entry.id, status: 'retrying', attempt, code: error.code, nextAttemptAt };
    }
    await this.#store.fail(entry.id, error.code);
    this.#logger.error({ ...fields, code: error.code, smtpStatus: error.smtpStatus }, 'notify.failed');
    return { outboxId: entry.id, status: 'failed', attempt, code: error.code };
  }
}
