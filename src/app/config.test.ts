import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from './config.ts';

/** The ConfigError loadConfig refuses `env` with (the test fails if it accepts it). */
function refusal(env: Record<string, string>): ConfigError {
  let err: unknown;
  try {
    loadConfig(env, '/x');
  } catch (e) {
    err = e;
  }
  expect(err).toBeInstanceOf(ConfigError);
  return err as ConfigError;
}

describe('loadConfig', () => {
  it('defaults to SQLite and a master key in ./data', () => {
    const c = loadConfig({}, '/srv/sotto');
    expect(c.dataDir).toBe('/srv/sotto/data');
    expect(c.database).toEqual({ kind: 'sqlite', path: '/srv/sotto/data/sotto.db' });
    expect(c.masterKeyFile).toBe('/srv/sotto/data/master.key');
    expect([c.httpPort, c.sipPort, c.sipTlsPort]).toEqual([8080, 5060, 5061]);
    expect(c.rtpPorts).toEqual({ min: 20000, max: 20999 });
  });

  it('selects PostgreSQL from a postgres:// URL', () => {
    expect(loadConfig({ SOTTO_DATABASE_URL: 'postgres://u:p@db:5432/sotto' }, '/x').database).toEqual({
      kind: 'postgres',
      url: 'postgres://u:p@db:5432/sotto',
    });
  });

  it.each([
    ['SOTTO_HTTP_PORT', 'eighty'],
    ['SOTTO_SIP_PORT', '70000'],
    ['SOTTO_RTP_PORTS', '30000'],
    ['SOTTO_DATABASE_URL', 'mysql://x'],
    ['SOTTO_SMTP_URL', 'not a url'],
    ['SOTTO_PUBLIC_URL', 'ftp://x'],
    ['SOTTO_LOG_LEVEL', 'loud'],
    ['SOTTO_SESSION_IDLE_MINUTES', '45'],
    ['SOTTO_TRANSCRIBE_ENGINE', 'bogus'],
    ['SOTTO_TRANSCRIBE_CONCURRENCY', '0'],
    ['SOTTO_BIND', '999.1.1.1'],
  ])('names the bad variable %s', (name, value) => {
    const err = refusal({ [name]: value });
    expect(err.variable).toBe(name);
    expect(err.message).toContain(name);
  });

  it.each([
    ['SOTTO_SMTP_URL', { SOTTO_SMTP_URL: 'smtp://' }],
    ['SOTTO_PUBLIC_URL', { SOTTO_PUBLIC_URL: 'https://pbx.example.com/?tenant=1' }],
    ['SOTTO_PUBLIC_URL', { SOTTO_PUBLIC_URL: 'https://pbx.example.com/#portal' }],
    ['SOTTO_SMTP_FROM', { SOTTO_SMTP_FROM: 'front desk' }],
    ['SOTTO_SMTP_FROM', { SOTTO_SMTP_FROM: 'a@b.example\r\nBcc: x@y.example' }],
    ['SOTTO_SIP_TLS_PORT', { SOTTO_SIP_PORT: '5070', SOTTO_SIP_TLS_PORT: '5070' }],
    ['SOTTO_SIP_PORT', { SOTTO_HTTP_PORT: '5060' }],
    ['SOTTO_RTP_PORTS', { SOTTO_SIP_PORT: '20010' }],
  ])('refuses at start what would only fail later: %s in %j', (name, env) => {
    const err = refusal(env);
    expect(err.variable).toBe(name);
  });

  it('takes a From with or without a name, and ports that stand apart', () => {
    expect(loadConfig({ SOTTO_SMTP_FROM: 'pbx@maple.example' }, '/x').smtpFrom).toBe('pbx@maple.example');
    expect(loadConfig({ SOTTO_SMTP_FROM: '"Maple Dental" <pbx@maple.example>' }, '/x').smtpFrom).toBe('"Maple Dental" <pbx@maple.example>');
    expect(loadConfig({ SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0' }, '/x').httpPort).toBe(0);
    expect(loadConfig({ SOTTO_PUBLIC_URL: 'https://pbx.maple.example/' }, '/x').publicUrl).toBe('https://pbx.maple.example');
  });

  it('never echoes a URL that may hold a password', () => {
    expect(() => loadConfig({ SOTTO_SMTP_URL: 'smtp://user:s3cret@:bad' }, '/x')).toThrow(/^(?!.*s3cret)/);
  });

  it('reads an optional JSON file, overridden by the environment', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-cfg-'));
    const file = join(dir, 'sotto.json');
    writeFileSync(file, JSON.stringify({ SOTTO_HTTP_PORT: 9000, SOTTO_SIP_PORT: '5070' }));
    const c = loadConfig({ SOTTO_CONFIG_FILE: file, SOTTO_SIP_PORT: '5080' }, dir);
    expect([c.httpPort, c.sipPort]).toEqual([9000, 5080]);
    writeFileSync(file, JSON.stringify({ SOTTO_BOGUS: 1 }));
    expect(() => loadConfig({ SOTTO_CONFIG_FILE: file }, dir)).toThrow(/unknown setting SOTTO_BOGUS/);
  });

  it('takes the transcription settings from the file too, checked like the rest', () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-config-'));
    const file = join(dir, 'sotto.json');
    writeFileSync(file, JSON.stringify({ SOTTO_TRANSCRIBE_ENGINE: 'pocketsphinx', SOTTO_TRANSCRIBE_CONCURRENCY: 2, SOTTO_TRANSCRIBE_CACHE_DIR: 'stt' }));
    expect(loadConfig({ SOTTO_CONFIG_FILE: file }, dir).transcribe).toEqual({ engine: 'pocketsphinx', concurrency: 2, cacheDir: join(dir, 'stt') });
    expect(() => loadConfig({ SOTTO_TRANSCRIBE_ENGINE: 'whisper.cpp' }, dir)).toThrow(/SOTTO_TRANSCRIBE_MODEL/);
    expect(() => loadConfig({ SOTTO_TRANSCRIBE_ENGINE: 'whisper.cpp', SOTTO_TRANSCRIBE_MODEL: '/nonexistent/model.bin' }, dir)).toThrow(/file not found/);
    expect(loadConfig({ SOTTO_TRANSCRIBE_MODEL: '/nonexistent/model.bin' }, dir).transcribe).toEqual({ engine: 'pocketsphinx' });
    expect(loadConfig({}, dir).transcribe).toEqual({ engine: 'pocketsphinx' });
  });

  it.each([
    ['SOTTO_SIP_ADVERTISE', { SOTTO_SIP_ADVERTISE: 'pbx.example.com:5060' }],
    ['SOTTO_SIP_ADVERTISE', { SOTTO_SIP_ADVERTISE: 'bad_host!' }],
    ['SOTTO_SIP_ADVERTISE', { SOTTO_SIP_ADVERTISE: '0.0.0.0' }],
    ['SOTTO_SIP_ADVERTISE', { SOTTO_SIP_ADVERTISE: '2001:db8::1' }],
    ['SOTTO_RTP_ADVERTISE', { SOTTO_RTP_ADVERTISE: 'pbx.example.com' }],
    ['SOTTO_RTP_ADVERTISE', { SOTTO_RTP_ADVERTISE: '239.1.1.1' }],
    ['SOTTO_RTP_ADVERTISE', { SOTTO_BIND: '::1', SOTTO_RTP_ADVERTISE: '203.0.113.7' }],
    ['SOTTO_SIP_TLS_PHONE_CA', { SOTTO_SIP_TLS_PHONE_CA: '/nonexistent/phones.pem' }],
  ])('names %s for an address or file Sotto could not use: %j', (name, env) => {
    const err = refusal(env);
    expect(err.code).toBe('CONFIG_INVALID');
    expect(err.variable).toBe(name);
    expect((err as Error).message).toContain(name);
  });

  it('takes advertised addresses and the phone CA file from the environment or the file', () => {
    expect(loadConfig({}, '/x')).toMatchObject({ sipAdvertise: undefined, rtpAdvertise: undefined, sipTlsPhoneCaFile: undefined });
    expect(loadConfig({ SOTTO_SIP_ADVERTISE: 'pbx.maple.example', SOTTO_RTP_ADVERTISE: '203.0.113.7' }, '/x')).toMatchObject({ sipAdvertise: 'pbx.maple.example', rtpAdvertise: '203.0.113.7' });
    expect(loadConfig({ SOTTO_BIND: '::', SOTTO_SIP_ADVERTISE: '[2001:db8::7]' }, '/x').sipAdvertise).toBe('2001:db8::7');
    const dir = mkdtempSync(join(tmpdir(), 'sotto-adv-'));
    writeFileSync(join(dir, 'phones.pem'), '');
    const file = join(dir, 'sotto.json');
    writeFileSync(file, JSON.stringify({ SOTTO_SIP_ADVERTISE: '198.51.100.4', SOTTO_SIP_TLS_PHONE_CA: 'phones.pem' }));
    expect(loadConfig({ SOTTO_CONFIG_FILE: file }, dir)).toMatchObject({ sipAdvertise: '198.51.100.4', sipTlsPhoneCaFile: join(dir, 'phones.pem') });
  });
});
