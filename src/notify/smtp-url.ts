// SOTTO_SMTP_URL -> where and how to connect. Pure.
//
//   smtp://[user[:password]@]host[:port]    plain connect, STARTTLS (RFC 3207)
//                                           whenever the server offers it
//   smtps://[user[:password]@]host[:port]   TLS from the first byte (RFC 8314 3.3)
//
// Query parameters are refused rather than passed to nodemailer: its URL
// syntax can switch certificate checks off (`?tls.rejectUnauthorized=false`),
// and that must take an explicit, reviewable Mailer option, never a string
// pasted into an environment variable.
import { NotifyError } from './errors.ts';
import { err, ok, type Result } from './result.ts';

export interface SmtpEndpoint {
  host: string;
  port: number;
  /** TLS from the start (smtps). Otherwise plain, upgraded with STARTTLS. */
  implicitTls: boolean;
  auth: { user: string; pass: string } | undefined;
}

/** RFC 6409 submission port for smtp://, RFC 8314 submissions port for smtps://. */
const DEFAULT_PORT = { 'smtp:': 587, 'smtps:': 465 } as const;

export function parseSmtpUrl(raw: string): Result<SmtpEndpoint, NotifyError> {
  let url: URL;
  try {
    url = new URL(raw);
  } catch {
    // The text may hold a password: never echo it.
    return err(new NotifyError('NOTIFY_CONFIG_INVALID', 'SMTP URL is not a valid URL (expected smtp:// or smtps://)'));
  }
  if (url.protocol !== 'smtp:' && url.protocol !== 'smtps:') {
    return err(new NotifyError('NOTIFY_CONFIG_INVALID', `SMTP URL must use smtp: or smtps:, got ${url.protocol}`));
  }
  if (url.hostname === '') return err(new NotifyError('NOTIFY_CONFIG_INVALID', 'SMTP URL has no host'));
  if (url.search !== '' || url.hash !== '') {
    return err(new NotifyError('NOTIFY_CONFIG_INVALID', 'SMTP URL must not carry query parameters or a fragment; TLS settings are Mailer options'));
  }
  if (url.pathname !== '' && url.pathname !== '/') {
    return err(new NotifyError('NOTIFY_CONFIG_INVALID', 'SMTP URL must not carry a path'));
  }
  let user: string;
  let pass: string;
  try {
    user = decodeURIComponent(url.username);
    pass = decodeURIComponent(url.password);
  } catch {
    return err(new NotifyError('NOTIFY_CONFIG_INVALID', 'SMTP URL credentials are not valid percent-encoding'));
  }
  // WHATWG URL keeps brackets around IPv6 literals; sockets want them bare.
  const host = url.hostname.replace(/^\[(.*)\]$/, '$1');
  return ok({
    host,
    port: url.port === '' ? DEFAULT_PORT[url.protocol] : Number(url.port),
    implicitTls: url.protocol === 'smtps:',
    auth: user !== '' || pass !== '' ? { user, pass } : undefined,
  });
}
