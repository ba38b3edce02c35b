// A nodemailer failure -> a NotifyError with a stable code. Pure. Reads only
// codes and the reply number; the reply text and nodemailer's message (which
// may quote the server, and the server may quote an address) are dropped.
import { NotifyError } from './errors.ts';

/** Node's X.509 verification failures (OpenSSL verify codes and Node's own). */
const CERT_CODES = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
  'CERT_HAS_EXPIRED',
  'CERT_NOT_YET_VALID',
  'CERT_UNTRUSTED',
  'CERT_REJECTED',
  'CERT_SIGNATURE_FAILURE',
  'INVALID_CA',
  'HOSTNAME_MISMATCH',
  'ERR_TLS_CERT_ALTNAME_INVALID',
]);

/**
 * nodemailer wraps a failed STARTTLS handshake in a new Error and keeps only
 * the original's message, so the certificate case is recognised by wording
 * too. These phrases are OpenSSL's and Node's, not the SMTP server's.
 */
const CERT_WORDING = /certificate|Hostname\/IP does not match|self[- ]signed/i;

interface NodemailerLike {
  code?: unknown;
  originalCode?: unknown;
  responseCode?: unknown;
  message?: unknown;
}

function isCertificateFailure(e: NodemailerLike): boolean {
  if (typeof e.code === 'string' && CERT_CODES.has(e.code)) return true;
  if (typeof e.originalCode === 'string' && CERT_CODES.has(e.originalCode)) return true;
  return (e.code === 'ETLS' || e.code === 'ESOCKET') && typeof e.message === 'string' && CERT_WORDING.test(e.message);
}

/**
 * @param tlsRequired the send insisted on TLS (a PHI message): a STARTTLS the
 *   server does not offer or refuses is then NOTIFY_TLS_REQUIRED.
 */
export function classifySmtpFailure(failure: unknown, tlsRequired: boolean): NotifyError {
  const e: NodemailerLike = typeof failure === 'object' && failure !== null ? (failure as NodemailerLike) : {};
  const status = typeof e.responseCode === 'number' ? e.responseCode : undefined;

  if (isCertificateFailure(e)) {
    return new NotifyError('NOTIFY_TLS_UNTRUSTED', 'the SMTP server certificate failed verification; set a CA file if the server uses a private CA');
  }
  if (e.code === 'ETLS') {
    return tlsRequired
      ? new NotifyError('NOTIFY_TLS_REQUIRED', 'the SMTP server would not negotiate TLS, and this message may only travel encrypted', status)
      : new NotifyError('NOTIFY_SMTP_UNAVAILABLE', 'STARTTLS failed', status);
  }
  if (e.code === 'EAUTH' || e.code === 'ENOAUTH') {
    return new NotifyError('NOTIFY_SMTP_AUTH_FAILED', 'the SMTP server refused the credentials', status);
  }
  if (e.code === 'ECONFIG' || e.code === 'EFILEACCESS' || e.code === 'EURLACCESS') {
    return new NotifyError('NOTIFY_CONFIG_INVALID', 'the SMTP transport rejected its configuration');
  }
  // RFC 5321 4.2.1: 4yz is transient, 5yz permanent. 421 is the server
  // closing the channel, which is the "unavailable" case.
  if (status !== undefined && status >= 400 && status < 500) {
    return status === 421
      ? new NotifyError('NOTIFY_SMTP_UNAVAILABLE', 'the SMTP server is closing the channel', status)
      : new NotifyError('NOTIFY_SMTP_TEMPORARY', 'the SMTP server asked to try again later', status);
  }
  if (status !== undefined && status >= 500 && status < 600) {
    return new NotifyError('NOTIFY_SMTP_REJECTED', 'the SMTP server rejected the message', status);
  }
  if (e.code === 'EENVELOPE') {
    return new NotifyError('NOTIFY_SMTP_REJECTED', 'the message envelope is not acceptable');
  }
  // ECONNECTION, ESOCKET, ETIMEDOUT, EDNS, EPROTOCOL, EMESSAGE, ESTREAM and
  // anything unknown: the server may well be back later.
  return new NotifyError('NOTIFY_SMTP_UNAVAILABLE', 'the SMTP server could not be reached or dropped the connection', status);
}
