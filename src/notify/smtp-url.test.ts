import { describe, expect, it } from 'vitest';
import { parseSmtpUrl } from './smtp-url.ts';

describe('parseSmtpUrl', () => {
  it('reads smtp:// with credentials and the submission port by default', () => {
    expect(parseSmtpUrl('smtp://notices%40clinic.example:p%3Ass@mail.clinic.example')).toEqual({
      ok: true,
      value: { host: 'mail.clinic.example', port: 587, implicitTls: false, auth: { user: 'notices@clinic.example', pass: 'p:ss' } },
    });
  });

  it('reads smtps:// on 465 by default, an explicit port, and a bare IPv6 host', () => {
    expect(parseSmtpUrl('smtps://mail.example')).toMatchObject({ ok: true, value: { port: 465, implicitTls: true, auth: undefined } });
    expect(parseSmtpUrl('smtp://[::1]:2525')).toMatchObject({ ok: true, value: { host: '::1', port: 2525 } });
  });

  it.each([
    ['not a url', 'not a valid URL'],
    ['http://mail.example', 'must use smtp: or smtps:'],
    ['smtp://mail.example?tls.rejectUnauthorized=false', 'query'],
    ['smtp://mail.example/path', 'path'],
  ])('refuses %s with NOTIFY_CONFIG_INVALID', (url, words) => {
    const r = parseSmtpUrl(url);
    expect(r.ok).toBe(false);
    if (!r.ok) {
      expect(r.error.code).toBe('NOTIFY_CONFIG_INVALID');
      expect(r.error.message).toContain(words);
    }
  });

  it('never echoes a password in its error', () => {
    const r = parseSmtpUrl('smtp://user:hunter2@mail.example/x');
    expect(!r.ok && r.error.message).not.toContain('hunter2');
  });
});
