// The portal signs in at the address the banner prints, not only at
// SOTTO_PUBLIC_URL (audit finding: with SOTTO_BIND=127.0.0.1 the printed
// http://127.0.0.1:<port>/ answered every sign-in with 403 CSRF_REJECTED),
// while a page of any other origin is still refused.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { listenOrigins, startServer, type RunningSotto } from '../../src/app/server.ts';
import { ARGON2_DEFAULTS, createPasswordHasher } from '../../src/auth/index.ts';
import { addUser, CLI_ACTOR, createPractice } from '../../src/directory/index.ts';

const PASSWORD = 'correct horse battery staple 42';

describe('portal origins of a running Sotto', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-origins-'));
  let rt: Runtime;
  let sotto: RunningSotto;

  beforeAll(async () => {
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0', SOTTO_RTP_PORTS: '47000-47099' });
    rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
    sotto = await startServer(rt);
    const practice = await createPractice(rt.database.db, { name: 'Origin Clinic', tier: 'pro', sipDomain: 'pbx.origins.test' });
    const passwordHash = await createPasswordHasher(ARGON2_DEFAULTS).hash(PASSWORD);
    await addUser(rt.database.db, practice.id, { email: 'front@origins.example', displayName: 'Front Desk', role: 'admin', passwordHash }, CLI_ACTOR);
  });
  afterAll(async () => {
    await sotto?.stop();
    await rt?.close();
  });

  const signIn = (origin: string) =>
    fetch(`${sotto.httpUrl}/api/v1/session`, {
      method: 'POST',
      headers: { 'content-type': 'application/json', origin },
      body: JSON.stringify({ email: 'front@origins.example', password: PASSWORD }),
    });

  it('prints the address it listens on and signs in from a page served there', async () => {
    expect(sotto.httpUrl).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    const r = await signIn(sotto.httpUrl);
    expect(r.status).toBe(200);
    expect(r.headers.get('set-cookie')).toMatch(/^sotto_session=/);
  });

  it('signs in from SOTTO_PUBLIC_URL (here its default, localhost on the same port)', async () => {
    expect((await signIn(rt.config.publicUrl.replace(/:\d+$/, `:${new URL(sotto.httpUrl).port}`))).status).toBe(200);
  });

  it('refuses a sign-in posted by a page of another origin', async () => {
    for (const origin of ['http://evil.example', 'http://127.0.0.1:1', 'http://192.168.1.20:8080']) {
      const r = await signIn(origin);
      expect(r.status).toBe(403);
      expect(((await r.json()) as { error: { code: string } }).error.code).toBe('CSRF_REJECTED');
    }
  });
});

describe('listenOrigins', () => {
  it('names the printed address first, then loopback on the same port', () => {
    expect(listenOrigins('0.0.0.0', 8080, [])).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080']);
    expect(listenOrigins('::', 8080, [])).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080']);
    expect(listenOrigins('127.0.0.1', 8080)).toEqual(['http://127.0.0.1:8080', 'http://localhost:8080']);
    expect(listenOrigins('192.168.1.10', 8080)).toEqual(['http://192.168.1.10:8080']);
    // As browsers write an Origin: no default port, IPv6 canonical.
    expect(listenOrigins('127.0.0.1', 80)).toEqual(['http://127.0.0.1', 'http://localhost']);
    expect(listenOrigins('0:0:0:0:0:0:0:0', 8080, [])).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080']);
    expect(listenOrigins('FE80::1', 8080)).toEqual(['http://[fe80::1]:8080']);
  });

  it("adds the machine's own addresses on a wildcard bind, so the portal signs in at the box's LAN address (sweep finding: refused until SOTTO_PUBLIC_URL was set)", () => {
    const machine = ['127.0.0.1', '192.168.1.10', '::1', '2001:db8::10', 'fe80::1c2:3ff:fe44:5566'];
    expect(listenOrigins('0.0.0.0', 8080, machine)).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080', 'http://192.168.1.10:8080']);
    // IPv6 only on a dual-stack bind; never link-local (an Origin carries no zone).
    expect(listenOrigins('::', 8080, machine)).toEqual(['http://localhost:8080', 'http://127.0.0.1:8080', 'http://[::1]:8080', 'http://192.168.1.10:8080', 'http://[2001:db8::10]:8080']);
    // A bind to one address is that address only: the others are not this server's.
    expect(listenOrigins('192.168.1.10', 8080, machine)).toEqual(['http://192.168.1.10:8080']);
    expect(listenOrigins('127.0.0.1', 8080, machine)).toEqual(['http://127.0.0.1:8080', 'http://localhost:8080']);
  });
});
