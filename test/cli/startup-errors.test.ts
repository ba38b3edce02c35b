// What an operator sees when Sotto cannot start or open its data: one line
// naming the variable to fix and a stable code, exit 1, never a stack trace.
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { generateSelfSignedCertificate } from '../../src/sip/transport/index.ts';
import { sotto, type CliResult } from '../support/cli.ts';

const freshDataDir = () => mkdtempSync(join(tmpdir(), 'sotto-startup-'));
const ports = { SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0' };

function expectClearFailure(r: CliResult, variable: string, code: string): void {
  expect(r.status).toBe(1);
  expect(r.stderr).toContain(variable);
  expect(r.stderr).toContain(`(${code})`);
  expect(r.stderr).not.toMatch(/\n\s+at /);
}

describe('sotto start with an address that is not this machine', { timeout: 60_000 }, () => {
  it('names SOTTO_BIND with LISTEN_FAILED', () => {
    // 203.0.113.0/24 is TEST-NET-3 (RFC 5737): never an address of this machine.
    const r = sotto(['start'], { SOTTO_DATA_DIR: freshDataDir(), SOTTO_BIND: '203.0.113.7', ...ports });
    expectClearFailure(r, 'SOTTO_BIND', 'LISTEN_FAILED');
  });

  it('refuses an address that is not an IP address at all', () => {
    const r = sotto(['start'], { SOTTO_DATA_DIR: freshDataDir(), SOTTO_BIND: '999.1.1.1', ...ports });
    expectClearFailure(r, 'SOTTO_BIND', 'CONFIG_INVALID');
  });
});

describe('an operator certificate for SIP over TLS that cannot be used', { timeout: 60_000 }, () => {
  it('names SOTTO_SIP_TLS_CERT or SOTTO_SIP_TLS_KEY with CONFIG_INVALID', () => {
    const dir = freshDataDir();
    const a = generateSelfSignedCertificate({ commonName: 'pbx.example', altNames: ['pbx.example'], keyType: 'ec' });
    const b = generateSelfSignedCertificate({ commonName: 'pbx.example', altNames: ['pbx.example'], keyType: 'ec' });
    const file = (name: string, text: string) => {
      writeFileSync(join(dir, name), text, { mode: 0o600 });
      return join(dir, name);
    };
    const env = (cert: string, key: string) => ({ SOTTO_DATA_DIR: freshDataDir(), SOTTO_BIND: '127.0.0.1', ...ports, SOTTO_SIP_TLS_CERT: cert, SOTTO_SIP_TLS_KEY: key });
    expectClearFailure(sotto(['start'], env(file('garbage.pem', 'garbage\n'), file('a-key.pem', a.keyPem))), 'SOTTO_SIP_TLS_CERT', 'CONFIG_INVALID');
    expectClearFailure(sotto(['start'], env(file('a-cert.pem', a.certPem), file('garbage-key.pem', 'garbage\n'))), 'SOTTO_SIP_TLS_KEY', 'CONFIG_INVALID');
    const mismatched = sotto(['start'], env(file('a-cert.pem', a.certPem), file('b-key.pem', b.keyPem)));
    expectClearFailure(mismatched, 'SOTTO_SIP_TLS_KEY', 'CONFIG_INVALID');
    expect(mismatched.stderr).toContain('does not match');
  });
});

describe('a data dir or database that cannot be used', { timeout: 60_000 }, () => {
  it('names SOTTO_DATA_DIR when it is a file', () => {
    const file = join(freshDataDir(), 'not-a-dir');
    writeFileSync(file, 'x');
    expectClearFailure(sotto(['user', 'list'], { SOTTO_DATA_DIR: file }), 'SOTTO_DATA_DIR', 'CONFIG_INVALID');
    expectClearFailure(sotto(['user', 'list'], { SOTTO_DATA_DIR: join(file, 'below') }), 'SOTTO_DATA_DIR', 'CONFIG_INVALID');
  });

  it('says DB_UNREACHABLE for a SQLite file in a folder that does not exist', () => {
    const r = sotto(['user', 'list'], { SOTTO_DATA_DIR: freshDataDir(), SOTTO_DATABASE_URL: 'sqlite:/nonexistent-sotto-dir/sotto.db' });
    expectClearFailure(r, 'SOTTO_DATABASE_URL', 'DB_UNREACHABLE');
  });

  it('says DB_UNREACHABLE, without the password, for a PostgreSQL server that refuses', async () => {
    const probe = createServer();
    await new Promise<void>((r) => probe.listen(0, '127.0.0.1', r));
    const port = (probe.address() as { port: number }).port;
    await new Promise((r) => probe.close(r));
    const r = sotto(['user', 'list'], { SOTTO_DATA_DIR: freshDataDir(), SOTTO_DATABASE_URL: `postgres://sotto:s3cret@127.0.0.1:${port}/sotto` });
    expectClearFailure(r, 'SOTTO_DATABASE_URL', 'DB_UNREACHABLE');
    expect(r.stderr).not.toContain('s3cret');
    expect(r.stderr).not.toContain('migration');
  });
});

describe('a missing master key file on an install that has data', { timeout: 180_000 }, () => {
  it('is refused (MASTER_KEY_MISSING) rather than replaced by a new key', () => {
    const dir = freshDataDir();
    expect(sotto(['demo', '--json'], { SOTTO_DATA_DIR: dir }).status).toBe(0);
    // A mistyped path: nothing may be created there, and the data keys stay readable with the real one.
    const typo = join(freshDataDir(), 'keys', 'master.key');
    for (const args of [['keys', 'status'], ['user', 'list'], ['start']]) {
      const r = sotto(args, { SOTTO_DATA_DIR: dir, SOTTO_MASTER_KEY_FILE: typo, ...ports, SOTTO_BIND: '127.0.0.1' });
      expectClearFailure(r, 'SOTTO_MASTER_KEY_FILE', 'MASTER_KEY_MISSING');
    }
    expect(existsSync(typo)).toBe(false);
    // The data dir restored without its key file.
    rmSync(join(dir, 'master.key'));
    expectClearFailure(sotto(['voicemail', 'list'], { SOTTO_DATA_DIR: dir }), 'SOTTO_MASTER_KEY_FILE', 'MASTER_KEY_MISSING');
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
  });

  it("refuses another install's key file (MASTER_KEY_MISMATCH) before anything is opened with it", () => {
    const dir = freshDataDir();
    expect(sotto(['demo', '--json'], { SOTTO_DATA_DIR: dir }).status).toBe(0);
    const other = freshDataDir();
    expect(sotto(['user', 'list'], { SOTTO_DATA_DIR: other }).status).toBe(1); // makes other/master.key
    for (const args of [['keys', 'status'], ['voicemail', 'list'], ['start']]) {
      const r = sotto(args, { SOTTO_DATA_DIR: dir, SOTTO_MASTER_KEY_FILE: join(other, 'master.key'), ...ports, SOTTO_BIND: '127.0.0.1' });
      expectClearFailure(r, 'SOTTO_MASTER_KEY_FILE', 'MASTER_KEY_MISMATCH');
    }
    // Nothing was taken for tampering, and the right key still opens everything.
    const status = sotto(['keys', 'status', '--json'], { SOTTO_DATA_DIR: dir });
    expect(status.status, status.stderr).toBe(0);
    expect(JSON.parse(status.stdout).staleDataKeys).toBe(0);
    expect(sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dir }).status).toBe(0);
  });

  it('is refused when the only secrets it sealed are two-factor secrets (no voicemail yet)', () => {
    const dir = freshDataDir();
    expect(sotto(['demo', '--json'], { SOTTO_DATA_DIR: dir }).status).toBe(0);
    const db = new Database(join(dir, 'sotto.db'));
    try {
      db.pragma('foreign_keys = OFF');
      db.exec('DELETE FROM vault_objects; DELETE FROM vault_data_keys');
      expect(db.prepare('SELECT count(*) AS n FROM users WHERE totp_secret_sealed IS NOT NULL').get()).toEqual({ n: 1 });
    } finally {
      db.close();
    }
    rmSync(join(dir, 'master.key'));
    expectClearFailure(sotto(['user', 'list'], { SOTTO_DATA_DIR: dir }), 'SOTTO_MASTER_KEY_FILE', 'MASTER_KEY_MISSING');
    expect(existsSync(join(dir, 'master.key'))).toBe(false);
  });

  it('is still created on a fresh install', () => {
    const dir = freshDataDir();
    expect(sotto(['user', 'list'], { SOTTO_DATA_DIR: dir }).status).toBe(1); // no practice yet
    expect(existsSync(join(dir, 'master.key'))).toBe(true);
  });
});

describe('sotto audit verify --file', { timeout: 60_000 }, () => {
  it('reports a file it cannot read as FILE_UNREADABLE', () => {
    const dir = freshDataDir();
    expectClearFailure(sotto(['audit', 'verify', '--file', join(dir, 'missing.jsonl')], { SOTTO_DATA_DIR: dir }), 'missing.jsonl', 'FILE_UNREADABLE');
    const r = sotto(['audit', 'verify', '--file', dir, '--json'], { SOTTO_DATA_DIR: dir });
    expect(r.status).toBe(1);
    expect(JSON.parse(r.stdout)).toMatchObject({ error: { code: 'FILE_UNREADABLE' } });
  });
});
