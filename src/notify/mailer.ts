// Sending one rendered mail over SMTP (RFC 5321) through nodemailer.
//
// TLS rules, in order of strength:
//   - smtps:// : TLS from the first byte (RFC 8314), for every message.
//   - smtp://  : STARTTLS (RFC 3207) whenever the server offers it, for every
//     message; a PHI-free notice may travel in clear when the server offers
//     no STARTTLS at all (opportunistic).
//   - A message carrying PHI (any attachment, or a transcript) is sent with
//     `requireTLS`: nodemailer issues STARTTLS even if it was not offered and
//     fails before MAIL FROM unless the upgrade succeeds, so not a byte of
//     the message reaches a server we could not encrypt to. That failure is
//     NOTIFY_TLS_REQUIRED (the notifier then decides what else to send).
//   - Certificates are always verified (Node's default trust store, or only
//     the private CA file when one is given). A failed check is
//     NOTIFY_TLS_UNTRUSTED and never falls back to plaintext, for any message.
import { readFileSync } from 'node:fs';
import nodemailer from 'nodemailer';
import type { SMTPTransportOptions } from 'nodemailer/lib/smtp-transport';
import { NotifyError } from './errors.ts';
import { silentLogger, type NotifyLogger } from './logger.ts';
import { carriesPhi, type RenderedMail } from './mail.ts';
import { err, ok, type Result } from './result.ts';
import { classifySmtpFailure } from './smtp-failure.ts';
import { parseSmtpUrl, type SmtpEndpoint } from './smtp-url.ts';

export interface MailerTimeouts {
  /** TCP (and for smtps, TLS) connect. */
  connectMs: number;
  /** From connect to the server's 220 greeting. */
  greetingMs: number;
  /** Longest silence from the server once the session runs. */
  socketMs: number;
}

export const DEFAULT_TIMEOUTS: MailerTimeouts = { connectMs: 10_000, greetingMs: 10_000, socketMs: 30_000 };

export interface MailerOptions {
  /** SOTTO_SMTP_URL: smtp://[user:pass@]host[:port] or smtps://… */
  smtpUrl: string;
  /** The From header, e.g. `"Sotto" <notices@clinic.example>`. */
  from: string;
  /**
   * A PEM file with the CA (or CAs) that signed the SMTP server's
   * certificate. When given it replaces Node's default trust store for SMTP
   * (as curl's --cacert does): only that CA is trusted.
   */
  caFile?: string;
  /** The name the server's certificate must carry, when it differs from the URL's host (e.g. connecting by IP). */
  tlsServerName?: string;
  /** The EHLO name; nodemailer's default is the machine's host name. */
  clientName?: string;
  timeouts?: Partial<MailerTimeouts>;
  logger?: NotifyLogger;
}

export interface OutgoingMail {
  to: string;
  mail: RenderedMail;
  /** An id to log with the outcome (an outbox id, a voicemail id); never an address. */
  logRef?: string;
}

export interface SentReceipt {
  /** The Message-ID header we sent. */
  messageId: string;
  /** The send insisted on TLS (smtps, or STARTTLS required). */
  tlsEnforced: boolean;
}

/** What the notifier needs from a mailer; tests and the lead may put another behind it. */
export interface MailSender {
  send(outgoing: OutgoingMail): Promise<Result<SentReceipt, NotifyError>>;
  close(): void;
}

type Transporter = ReturnType<typeof nodemailer.createTransport>;

export class Mailer implements MailSender {
  readonly #endpoint: SmtpEndpoint;
  readonly #from: string;
  readonly #logger: NotifyLogger;
  /** STARTTLS when offered; plaintext otherwise. For PHI-free notices only. */
  readonly #opportunistic: Transporter;
  /** STARTTLS or nothing. For anything carrying PHI. */
  readonly #tlsOnly: Transporter;

  private constructor(endpoint: SmtpEndpoint, options: MailerOptions, ca: Buffer | undefined) {
    this.#endpoint = endpoint;
    this.#from = options.from;
    this.#logger = options.logger ?? silentLogger;
    const t = { ...DEFAULT_TIMEOUTS, ...options.timeouts };
    const base: SMTPTransportOptions = {
      host: endpoint.host,
      port: endpoint.port,
      secure: endpoint.implicitTls,
      auth: endpoint.auth,
      name: options.clientName,
      connectionTimeout: t.connectMs,
      greetingTimeout: t.greetingMs,
      socketTimeout: t.socketMs,
      tls: {
        rejectUnauthorized: true,
        minVersion: 'TLSv1.2',
        ...(ca !== undefined ? { ca } : {}),
        ...(options.tlsServerName !== undefined ? { servername: options.tlsServerName } : {}),
      },
      // nodemailer's own logging would print envelopes and, at debug, bodies.
      logger: false,
      debug: false,
      // Attachments are buffers we rendered; never let a path or URL in one be fetched.
      disableFileAccess: true,
      disableUrlAccess: true,
    };
    this.#opportunistic = nodemailer.createTransport({ ...base, requireTLS: false, ignoreTLS: false, opportunisticTLS: false });
    this.#tlsOnly = nodemailer.createTransport({ ...base, requireTLS: true });
  }

  static create(options: MailerOptions): Result<Mailer, NotifyError> {
    const endpoint = parseSmtpUrl(options.smtpUrl);
    if (!endpoint.ok) return endpoint;
    let ca: Buffer | undefined;
    if (options.caFile !== undefined) {
      try {
        ca = readFileSync(options.caFile);
      } catch (e) {
        return err(new NotifyError('NOTIFY_CONFIG_INVALID', `cannot read the SMTP CA file (${(e as NodeJS.ErrnoException).code ?? 'error'})`));
      }
      if (!ca.includes('-----BEGIN CERTIFICATE-----')) {
        return err(new NotifyError('NOTIFY_CONFIG_INVALID', 'the SMTP CA file holds no PEM certificate'));
      }
    }
    return ok(new Mailer(endpoint.value, options, ca));
  }

  async send(outgoing: OutgoingMail): Promise<Result<SentReceipt, NotifyError>> {
    const { mail } = outgoing;
    const phi = carriesPhi(mail);
    const tlsEnforced = phi || this.#endpoint.implicitTls;
    const transport = phi ? this.#tlsOnly : this.#opportunistic;
    const fields = { ref: outgoing.logRef, kind: mail.kind, phi };
    try {
      const info = await transport.sendMail({
        from: this.#from,
        to: outgoing.to,
        subject: mail.subject,
        text: mail.text,
        html: mail.html,
        attachments: mail.attachments.map((a) => ({ filename: a.filename, contentType: a.contentType, content: a.content })),
        headers: {
          // RFC 3834 5.1: a machine-sent notice; auto-responders stay quiet.
          'Auto-Submitted': 'auto-generated',
          'X-Auto-Response-Suppress': 'All',
        },
      });
      this.#logger.info({ ...fields, tlsEnforced }, 'notify.mail_sent');
      return ok({ messageId: info.messageId, tlsEnforced });
    } catch (failure) {
      const e = classifySmtpFailure(failure, phi);
      this.#logger.warn({ ...fields, code: e.code, smtpStatus: e.smtpStatus }, 'notify.mail_failed');
      return err(e);
    }
  }

  close(): void {
    this.#opportunistic.close();
    this.#tlsOnly.close();
  }
}
