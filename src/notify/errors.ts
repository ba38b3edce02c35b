// Expected notice failures, each with a stable code. They come back as
// values (Result) from the mailer and the notifier; bugs still throw.
// Messages never carry an address, a server reply or any message content:
// they may end up in a log line.

export type NotifyErrorCode =
  /** SOTTO_SMTP_URL (or a Mailer option) is malformed or unusable. */
  | 'NOTIFY_CONFIG_INVALID'
  /** A message carrying PHI could not get a TLS connection (server offers no STARTTLS, or refused it). */
  | 'NOTIFY_TLS_REQUIRED'
  /** TLS was attempted and the server's certificate failed verification (untrusted, expired, wrong name). */
  | 'NOTIFY_TLS_UNTRUSTED'
  /** The server could not be reached, timed out or dropped the connection. Worth retrying. */
  | 'NOTIFY_SMTP_UNAVAILABLE'
  /** The server answered 4xx: try again later (RFC 5321 4.2.1). */
  | 'NOTIFY_SMTP_TEMPORARY'
  /** The server answered 5xx: the message will not be accepted as it is (RFC 5321 4.2.1). */
  | 'NOTIFY_SMTP_REJECTED'
  /** The server refused our credentials. */
  | 'NOTIFY_SMTP_AUTH_FAILED'
  /** The thing a queued notice refers to is gone (message deleted, user removed, notices turned off). */
  | 'NOTIFY_NOTICE_GONE'
  /** Reading what to render failed (the resolver threw: a database hiccup). Worth retrying. */
  | 'NOTIFY_SOURCE_UNAVAILABLE'
  /** The template refused its input: a bug upstream. Not retried. */
  | 'NOTIFY_RENDER_FAILED';

const RETRYABLE: ReadonlySet<NotifyErrorCode> = new Set(['NOTIFY_SMTP_UNAVAILABLE', 'NOTIFY_SMTP_TEMPORARY', 'NOTIFY_SOURCE_UNAVAILABLE']);

export class NotifyError extends Error {
  override readonly name = 'NotifyError';

  constructor(
    readonly code: NotifyErrorCode,
    message: string,
    /** The SMTP reply code, when the server gave one (a number, never the reply text). */
    readonly smtpStatus?: number,
  ) {
    super(message);
  }

  /** True when the same send may succeed later without anyone changing anything. */
  get retryable(): boolean {
    return RETRYABLE.has(this.code);
  }
}

export function isRetryable(code: NotifyErrorCode): boolean {
  return RETRYABLE.has(code);
}
