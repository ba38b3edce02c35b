import { describe, expect, it } from 'vitest';
import { classifySmtpFailure } from './smtp-failure.ts';

const e = (fields: Record<string, unknown>) => Object.assign(new Error(String(fields.message ?? 'x')), fields);

describe('classifySmtpFailure', () => {
  it.each([
    [e({ code: 'ECONNECTION', originalCode: 'ECONNREFUSED' }), false, 'NOTIFY_SMTP_UNAVAILABLE', true],
    [e({ code: 'ETIMEDOUT' }), false, 'NOTIFY_SMTP_UNAVAILABLE', true],
    [e({ code: 'ETLS', message: 'Error upgrading connection with STARTTLS' }), true, 'NOTIFY_TLS_REQUIRED', false],
    [e({ code: 'ETLS', message: 'Error upgrading connection with STARTTLS' }), false, 'NOTIFY_SMTP_UNAVAILABLE', true],
    [e({ code: 'ETLS', message: 'Error initiating TLS - self-signed certificate' }), true, 'NOTIFY_TLS_UNTRUSTED', false],
    [e({ code: 'ESOCKET', originalCode: 'DEPTH_ZERO_SELF_SIGNED_CERT' }), false, 'NOTIFY_TLS_UNTRUSTED', false],
    [e({ code: 'ETLS', message: "Error initiating TLS - Hostname/IP does not match certificate's altnames" }), false, 'NOTIFY_TLS_UNTRUSTED', false],
    [e({ code: 'EAUTH', responseCode: 535 }), false, 'NOTIFY_SMTP_AUTH_FAILED', false],
    [e({ code: 'EENVELOPE', responseCode: 450 }), false, 'NOTIFY_SMTP_TEMPORARY', true],
    [e({ code: 'EMESSAGE', responseCode: 421 }), false, 'NOTIFY_SMTP_UNAVAILABLE', true],
    [e({ code: 'EENVELOPE', responseCode: 550 }), false, 'NOTIFY_SMTP_REJECTED', false],
    ['not even an error', false, 'NOTIFY_SMTP_UNAVAILABLE', true],
  ])('%o (tls required: %s) -> %s', (failure, tlsRequired, code, retryable) => {
    const out = classifySmtpFailure(failure, tlsRequired);
    expect(out.code).toBe(code);
    expect(out.retryable).toBe(retryable);
  });

  it('keeps the reply number and drops the reply text', () => {
    const out = classifySmtpFailure(e({ code: 'EENVELOPE', responseCode: 550, response: '550 5.1.1 <dr.smith@clinic.example>: no such user' }), false);
    expect(out.smtpStatus).toBe(550);
    expect(out.message).not.toContain('dr.smith');
  });
});
