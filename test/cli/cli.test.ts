import { spawn } from 'node:child_process';
import { existsSync, mkdtempSync, statSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { SOTTO_BIN, sotto } from '../support/cli.ts';

const freshDataDir = () => mkdtempSync(join(tmpdir(), 'sotto-cli-'));

describe('sotto demo', { timeout: 180_000 }, () => {
  it('prints the operator-surface JSON, and the same again on a second run', () => {
    const env = { SOTTO_DATA_DIR: freshDataDir() };
    const first = sotto(['demo', '--tier', 'pro', '--json'], env);
    expect(first.status, first.stderr).toBe(0);
    const out = JSON.parse(first.stdout);
    expect(out).toEqual({
      practice: { id: expect.any(String), name: expect.any(String), tier: 'pro' },
      admin: { email: expect.stringContaining('@'), password: expect.any(String), totpSecret: expect.stringMatching(/^[A-Z2-7]{32}$/) },
      apiToken: expect.stringMatching(/^sotto_/),
      sip: { domain: expect.any(String), udpPort: 5060, tcpPort: 5060, tlsPort: 5061 },
      extensions: ['101', '102', '103'].map((extension) => ({
        extension,
        userId: expect.any(String),
        sipUsername: extension,
        sipPassword: expect.stringMatching(/^[A-Za-z2-9]{20}$/),
        voicemailPin: expect.stringMatching(/^\d{6}$/),
      })),
    });
    const second = sotto(['demo', '--json'], env);
    expect(JSON.parse(second.stdout)).toEqual(out);
    const list = JSON.parse(sotto(['user', 'list', '--json'], env).stdout);
    expect(list.items).toHaveLength(4);

    const upgraded = JSON.parse(sotto(['demo', '--tier', 'pro-plus', '--json'], env).stdout);
    expect(upgraded.practice).toEqual({ ...out.practice, tier: 'pro-plus' });
    // The data dir and master key are owner-only.
    expect(statSync(env.SOTTO_DATA_DIR).mode & 0o777).toBe(0o700);
    expect(statSync(join(env.SOTTO_DATA_DIR, 'master.key')).mode & 0o777).toBe(0o600);
  });
});

describe('sotto admin, user and token', { timeout: 180_000 }, () => {
  it('sets up a practice from nothing and manages its users', () => {
    const env = { SOTTO_DATA_DIR: freshDataDir(), SOTTO_SIP_DOMAIN: 'pbx.oak.example' };
    const none = sotto(['user', 'list'], env);
    expect(none.status).toBe(1);
    expect(none.stderr).toContain('NO_PRACTICE');

    // The portal's password rules apply to the first admin too, and a refusal writes nothing.
    const weak = sotto(['admin', 'create', '--email', 'owner@oak.example', '--name', 'Oak Owner', '--practice-name', 'Oak Dental', '--password', 'password1234'], env);
    expect(weak.status).toBe(2);
    expect(weak.stderr).toContain('WEAK_PASSWORD');
    expect(weak.stderr).toContain('commonly used');
    expect(sotto(['user', 'list'], env).stderr).toContain('NO_PRACTICE');

    const admin = sotto(['admin', 'create', '--email', 'Owner@Oak.example', '--name', 'Oak Owner', '--practice-name', 'Oak Dental', '--tier', 'essentials', '--json'], env);
    expect(admin.status, admin.stderr).toBe(0);
    const created = JSON.parse(admin.stdout);
    expect(created).toMatchObject({ practice: { name: 'Oak Dental', tier: 'essentials', sipDomain: 'pbx.oak.example' }, admin: { email: 'owner@oak.example', role: 'owner' } });
    expect(created.admin.password.length).toBeGreaterThanOrEqual(12);

    const add = JSON.parse(sotto(['user', 'add', '--email', 'hyg@oak.example', '--name', 'Hy Gienist', '--role', 'provider', '--extension', '201', '--device', 'desk_phone', '--json'], env).stdout);
    expect(add).toMatchObject({ user: { extension: '201', role: 'provider' }, voicemailPin: expect.stringMatching(/^\d{6}$/), device: { sipUsername: '201', domain: 'pbx.oak.example', ports: { udp: 5060, tcp: 5060, tls: 5061 } } });

    // Refusals write nothing (audit findings: a bad email was stored; admin create dropped options; demo crashed).
    const badEmail = sotto(['user', 'add', '--email', 'bad', '--name', 'X', '--json'], env);
    expect(badEmail.status).toBe(2);
    expect(JSON.parse(badEmail.stdout).error).toMatchObject({ code: 'INVALID_INPUT', message: 'not an email address' });
    const secondPractice = sotto(['admin', 'create', '--email', 'two@oak.example', '--name', 'Two', '--practice-name', 'Maple Dental', '--tier', 'pro'], env);
    expect(secondPractice.status).toBe(1);
    expect(secondPractice.stderr).toContain('PRACTICE_EXISTS');
    const demo = sotto(['demo', '--json'], env);
    expect(demo.status).toBe(1);
    expect(JSON.parse(demo.stdout).error.code).toBe('DEMO_BESIDE_PRACTICE');
    expect(JSON.parse(sotto(['user', 'list', '--json'], env).stdout).items.map((u: { email: string }) => u.email).sort()).toEqual(['hyg@oak.example', 'owner@oak.example']);

    const dup = sotto(['user', 'add', '--email', 'x@oak.example', '--name', 'X', '--extension', '201', '--json'], env);
    expect(dup.status).toBe(1);
    expect(JSON.parse(dup.stdout).error.code).toBe('EXTENSION_TAKEN');

    const token = JSON.parse(sotto(['token', 'create', '--role', 'admin', '--json'], env).stdout);
    expect(token).toMatchObject({ token: expect.stringMatching(/^sotto_/), role: 'admin', userId: created.admin.id });
    const staffOnly = sotto(['token', 'create', '--role', 'admin', '--user', 'hyg@oak.example'], env);
    expect(staffOnly.status).toBe(1);
    expect(staffOnly.stderr).toContain('ROLE_TOO_HIGH');

    const disabled = JSON.parse(sotto(['user', 'disable', 'hyg@oak.example', '--json'], env).stdout);
    expect(disabled).toEqual({ user: { id: add.user.id, status: 'disabled' }, disabledDevices: [add.device.id], alreadyDisabled: false });
    const list = JSON.parse(sotto(['user', 'list', '--json'], env).stdout);
    expect(list.items.find((u: { id: string }) => u.id === add.user.id).status).toBe('disabled');
  });
});

describe('configuration errors', { timeout: 60_000 }, () => {
  it.each([
    ['SOTTO_HTTP_PORT', 'http'],
    ['SOTTO_DATABASE_URL', 'mysql://db/sotto'],
    ['SOTTO_RTP_PORTS', '5-4'],
  ])('stop at once with a message naming %s', (name, value) => {
    const r = sotto(['user', 'list'], { SOTTO_DATA_DIR: freshDataDir(), [name]: value });
    expect(r.status).toBe(1);
    expect(r.stderr).toContain(name);
    expect(r.stderr).toContain('CONFIG_INVALID');
  });
});

describe('sotto start', { timeout: 60_000 }, () => {
  it('reports a port already in use clearly instead of hanging', async () => {
    const blocker = createServer();
    await new Promise<void>((r) => blocker.listen(0, '127.0.0.1', r));
    const port = (blocker.address() as { port: number }).port;
    const r = sotto(['start'], { SOTTO_DATA_DIR: freshDataDir(), SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: String(port), SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0' });
    blocker.close();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('SOTTO_HTTP_PORT');
    expect(r.stderr).toContain('PORT_IN_USE');
  });

  it('serves the API, prints where, and says how to create the first admin', async () => {
    const env = { SOTTO_DATA_DIR: freshDataDir(), SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0' };
    const child = spawn(process.execPath, [SOTTO_BIN, 'start'], { env: { ...process.env, ...env } });
    let out = '';
    const url = await new Promise<string>((resolve, reject) => {
      child.stdout.on('data', (d) => {
        out += d;
        const m = /Portal and API\s+(http:\/\/\S+?)\//.exec(out);
        if (m && out.includes('admin create')) resolve(m[1]!);
      });
      child.on('exit', (code) => reject(new Error(`sotto start exited ${code}: ${out}`)));
    });
    const health = await fetch(`${url}/api/v1/health`);
    expect(await health.json()).toMatchObject({ status: 'ok' });
    // While it runs, the data dir is its own: no second server, no key rotation under it.
    const second = sotto(['start'], env);
    expect(second.status).toBe(1);
    expect(second.stderr).toContain('SOTTO_ALREADY_RUNNING');
    const rotate = sotto(['keys', 'rotate'], env);
    expect(rotate.status).toBe(1);
    expect(rotate.stderr).toContain('SERVER_RUNNING');
    const closed = new Promise((r) => child.on('exit', r));
    child.kill('SIGTERM');
    expect(await closed).toBe(0);
    // Stopped, the lock is gone and the rotation goes ahead.
    expect(existsSync(join(env.SOTTO_DATA_DIR, 'sotto.pid'))).toBe(false);
    expect(sotto(['keys', 'rotate'], env).status).toBe(0);
  });
});

describe('sotto start with SIP', { timeout: 60_000 }, () => {
  it('reports a SIP port already in use, naming SOTTO_SIP_PORT', async () => {
    const { createSocket } = await import('node:dgram');
    const blocker = createSocket('udp4');
    await new Promise<void>((r) => blocker.bind(0, '127.0.0.1', r));
    const port = blocker.address().port;
    const r = sotto(['start'], { SOTTO_DATA_DIR: freshDataDir(), SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: String(port), SOTTO_SIP_TLS_PORT: '0' });
    blocker.close();
    expect(r.status).toBe(1);
    expect(r.stderr).toContain('SOTTO_SIP_PORT');
    expect(r.stderr).toContain('PORT_IN_USE');
  });
});
