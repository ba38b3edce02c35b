// notify/: email notices, PHI-safe by construction. See notifier.ts for the
// delivery rules and mailer.ts for the TLS rules.
export { NotifyError, isRetryable, type NotifyErrorCode } from './errors.ts';
export type { Result } from './result.ts';
export { parseSmtpUrl, type SmtpEndpoint } from './smtp-url.ts';
export { classifySmtpFailure } from './smtp-failure.ts';
export { carriesPhi, type MailAttachment, type NoticeKind, type RenderedMail } from './mail.ts';
export { DEFAULT_TIMEOUTS, Mailer, type MailSender, type MailerOptions, type MailerTimeouts, type OutgoingMail, type SentReceipt } from './mailer.ts';
export { silentLogger, type LogFields, type NotifyLogger } from './logger.ts';
export { accountSecurityLink, isOpaqueId, portalBase, voicemailLink } from './portal-links.ts';
export {
  MACHINE_DRAFT_LABEL,
  VOICEMAIL_AUDIO_FILENAME,
  renderVoicemailNotice,
  withoutPhi,
  type VoicemailNoticeDecisions,
  type VoicemailNoticeInput,
} from './templates/voicemail-notice.ts';
export { SECURITY_EVENTS, isSecurityEvent, renderSecurityNotice, type SecurityEvent, type SecurityNoticeInput } from './templates/security-notice.ts';
export { escapeHtml } from './templates/html.ts';
export { formatDuration, formatWhen } from './templates/format.ts';
export { isMailAddress, jobKey, toStoredJob, type NoticeJob, type SecurityJob, type VoicemailJob } from './notice-job.ts';
export { MemoryOutboxStore, type OutboxEntry, type OutboxState, type OutboxStore } from './outbox.ts';
export { KyselyOutboxStore, type OutboxDialect } from './kysely-outbox-store.ts';
export { DEFAULT_RETRY_POLICY, retryDelay, type RetryPolicy } from './retry-policy.ts';
export { ManualScheduler, systemScheduler, type Scheduler } from './scheduler.ts';
export { Notifier, type DeliveryOutcome, type NoticeResolver, type NotifierOptions } from './notifier.ts';
