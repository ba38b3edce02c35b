// The voicemail side of `sotto start`: the message store and greetings over
// the vault, the deposit path behind the B2BUA's onUnavailable, follow-ups
// (on-box transcription, email notices through the outbox) and, after a
// restart, messages a crash interrupted (delivered as partial) and
// follow-ups left undone.
import type { MediaRelay } from '../media/relay/index.ts';
import { KyselyOutboxStore, Mailer, Notifier, type DeliveryOutcome } from '../notify/index.ts';
import { createTranscriber, type Transcriber } from '../transcribe/index.ts';
import {
  findBoxByExtension,
  renderSpeech,
  VaultGreetingStore,
  VoicemailDeposit,
  VoicemailFollowups,
  VoicemailNoticeResolver,
  VoicemailStore,
} from '../voicemail/index.ts';
import type { Runtime } from './runtime.ts';
import { createMailboxLine, type MailboxLine } from './mailbox-line.ts';
import { resyncLampsOnOutsideChanges } from './mwi-resync.ts';
import type { SipService } from './sip-service.ts';
import { transcriberConfig } from './transcription.ts';

export interface VoicemailService {
  store: VoicemailStore;
  greetings: VaultGreetingStore;
  deposit: VoicemailDeposit;
  followups: VoicemailFollowups;
  notifier: Notifier | undefined;
  /** `*97` and one's own extension: the mailbox menu. */
  mailboxLine: MailboxLine;
  stop(): Promise<void>;
}

export async function startVoicemailService(rt: Runtime, sip: Pick<SipService, 'relay' | 'setUnavailableHandler' | 'setMailboxHandler' | 'mwi'>, options: { transcriber?: Transcriber | null } = {}): Promise<VoicemailService> {
  const db = rt.database.db;
  const log = rt.logger;
  const store = new VoicemailStore(db, rt.vault);
  const greetings = new VaultGreetingStore(db, rt.vault);

  let notifier: Notifier | undefined;
  let mailer: Mailer | undefined;
  if (rt.config.smtpUrl) {
    const created = Mailer.create({ smtpUrl: rt.config.smtpUrl, from: rt.config.smtpFrom, ...(rt.config.smtpCaFile ? { caFile: rt.config.smtpCaFile } : {}), logger: log });
    if (!created.ok) throw created.error;
    mailer = created.value;
    notifier = new Notifier({
      mailer,
      store: new KyselyOutboxStore(db, rt.database.dialect),
      resolver: new VoicemailNoticeResolver(db, store, rt.config.publicUrl),
      // The CLI queues security notices (a password or two-step reset on the server) for this process to send.
      pollIntervalMs: 60_000,
      logger: log,
      onOutcome: (o: DeliveryOutcome) => log.info({ event: 'notify.outcome', outboxId: o.outboxId, status: o.status }, 'notify'),
    });
  }
  const transcriber = options.transcriber === null ? undefined : (options.transcriber ?? createTranscriber(transcriberConfig(rt.config)));
  const followups = new VoicemailFollowups({
    db,
    store,
    ...(notifier ? { enqueue: (job) => notifier.enqueue(job) } : {}),
    ...(transcriber ? { transcriber } : {}),
    logger: log,
  });

  // A crash mid-message: the vault kept every durable chunk; the message is delivered, marked partial.
  const { recovered, dropped } = await store.recoverInterrupted();
  if (recovered.length > 0 || dropped > 0) log.warn({ event: 'voicemail.recovered', partial: recovered.length, dropped }, 'voicemail messages interrupted by a restart');

  const deposit = new VoicemailDeposit({
    relay: sip.relay as MediaRelay,
    store,
    greetings,
    findBox: (practiceId, extension) => findBoxByExtension(db, practiceId, extension),
    speech: renderSpeech,
    committed: followups.committed,
    limits: { maxMs: rt.config.voicemailMaxSeconds * 1000 },
    logger: log,
  });
  sip.setUnavailableHandler(deposit.onUnavailable);
  void deposit.warm();
  const mailboxLine = createMailboxLine({ db, relay: sip.relay as MediaRelay, mailbox: store.phoneAccess(), greetings, logger: log });
  sip.setMailboxHandler(mailboxLine.onMailbox);
  // Message-waiting lamps follow every commit, heard-mark and delete: this process's at once, the CLI's within a
  // second on SQLite (5 s on PostgreSQL).
  const stopMwi = sip.mwi.useMailbox(store);

  await notifier?.start();
  const stopResync = resyncLampsOnOutsideChanges(rt.database.sqlite, sip.mwi, log);
  void followups.resume().catch((e: unknown) => log.warn({ event: 'voicemail.resume_failed', code: (e as { code?: string }).code ?? 'error' }, 'voicemail'));

  return {
    store,
    greetings,
    deposit,
    followups,
    notifier,
    mailboxLine,
    async stop() {
      sip.setUnavailableHandler((call) => call.reject(480));
      sip.setMailboxHandler((call) => call.reject(404));
      stopResync();
      stopMwi();
      mailboxLine.close();
      // Messages being left are hung up and committed whole before the database closes.
      await deposit.drain();
      await followups.idle();
      await notifier?.stop();
      mailer?.close();
      await transcriber?.close();
    },
  };
}
