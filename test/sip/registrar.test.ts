// The registrar inside a running Sotto (real UDP sockets, real database):
// what a phone sees when it registers, fails, is throttled or is disabled.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime, type Runtime } from '../../src/app/runtime.ts';
import { startServer, type RunningSotto } from '../../src/app/server.ts';
import { addDevice, addUser, CLI_ACTOR, createPractice, disableDevice } from '../../src/directory/index.ts';
import { getHeader, getHeaderFields, getHeaderList } from '../../src/sip/message/index.ts';
import { UdpPhone } from '../support/sip-phone.ts';

const DOMAIN = 'pbx.registrar.test';

async function boot(dataDir: string): Promise<{ rt: Runtime; sotto: RunningSotto }> {
  const config = loadConfig({ SOTTO_DATA_DIR: dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0' });
  const rt = await openRuntime(config, createLogger('silent', pino.destination(2)));
  return { rt, sotto: await startServer(rt) };
}

describe('registrar in a running Sotto', { timeout: 60_000 }, () => {
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-reg-'));
  let rt: Runtime;
  let sotto: RunningSotto;
  let password: string;
  let password102: string;
  let deviceId: string;
  let practiceId: string;
  const phones: UdpPhone[] = [];
  const phone = async (o: Partial<Parameters<typeof UdpPhone.open>[0]> = {}) => {
    const p = await UdpPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '101', password, ...o });
    phones.push(p);
    return p;
  };

  beforeAll(async () => {
    ({ rt, sotto } = await boot(dataDir));
    const practice = await createPractice(rt.database.db, { name: 'Reg Clinic', tier: 'pro', sipDomain: DOMAIN });
    practiceId = practice.id;
    const { user } = await addUser(rt.database.db, practice.id, { email: 'a@reg.example', displayName: 'A', role: 'staff', extension: '101' }, CLI_ACTOR);
    const { user: b } = await addUser(rt.database.db, practice.id, { email: 'b@reg.example', displayName: 'B', role: 'staff', extension: '102' }, CLI_ACTOR);
    password102 = (await addDevice(rt.database.db, practice.id, b.id, { kind: 'softphone' }, CLI_ACTOR)).sipPassword;
    const added = await addDevice(rt.database.db, practice.id, user.id, { kind: 'desk_phone' }, CLI_ACTOR);
    password = added.sipPassword;
    deviceId = added.device.id;
  });
  afterAll(async () => {
    for (const p of phones) p.close();
    await sotto?.stop();
    await rt?.close();
  });

  it('challenges with MD5 first, then SHA-256, and binds the contact', async () => {
    const p = await phone();
    const { challenge, final } = await p.register({ expires: 300 });
    expect(challenge.status).toBe(401);
    const offers = getHeaderFields(challenge.headers, 'www-authenticate').map((f) => f.value);
    expect(offers).toHaveLength(2);
    expect(offers[0]).toMatch(/algorithm=MD5/);
    expect(offers[1]).toMatch(/algorithm=SHA-256/);
    expect(offers[0]).toContain(`realm="${DOMAIN}"`);
    expect(final.status).toBe(200);
    expect((getHeaderList(final.headers, 'contact') ?? [])).toEqual([`<sip:101@127.0.0.1:${p.port}>;expires=300`]);
  });

  it('accepts SHA-256 digests (RFC 8760)', async () => {
    const p = await phone();
    expect((await p.register({ algorithms: ['SHA-256'] })).final.status).toBe(200);
  });

  it('answers an unknown user exactly like a wrong password', async () => {
    const wrong = await phone({ password: 'not-the-password' });
    const unknown = await phone({ username: '999', aorUser: '101' });
    const a = (await wrong.register()).final;
    const b = (await unknown.register()).final;
    const shape = (r: typeof a) => ({
      status: r.status,
      reason: r.reason,
      names: r.headers.map((h) => h.name),
      challenge: getHeaderFields(r.headers, 'www-authenticate').map((f) => f.value).map((v) => v.replace(/nonce="[^"]+"/, 'nonce="…"')),
    });
    expect(a.status).toBe(401);
    expect(shape(a)).toEqual(shape(b));
  });

  it("refuses a device binding another extension's address-of-record", async () => {
    const p = await phone({ aorUser: '102' });
    expect((await p.register()).final.status).toBe(403);
  });

  it('re-registers, queries and unregisters', async () => {
    const p = await phone();
    expect((await p.register({ expires: 120 })).final.status).toBe(200);
    const query = await p.register({ contact: null });
    expect((getHeaderList(query.final.headers, 'contact') ?? []).some((c) => c.startsWith(`<sip:101@127.0.0.1:${p.port}>`))).toBe(true);
    const gone = await p.register({ expires: 0 });
    expect(gone.final.status).toBe(200);
    expect((getHeaderList(gone.final.headers, 'contact') ?? []).some((c) => c.startsWith(`<sip:101@127.0.0.1:${p.port}>`))).toBe(false);
  });

  it('answers 500 when the database refuses the binding, and the phone is then neither bound nor routed to', async () => {
    const p = await phone();
    const sqlite = rt.database.sqlite!;
    const aor = `${practiceId}:101`;
    const contact = `sip:101@127.0.0.1:${p.port}`;
    // Read-only, as a full disk or a failing volume leaves it; the phone is told 500, not 200.
    sqlite.pragma('query_only = 1');
    let final;
    try {
      ({ final } = await p.register({ expires: 300 }));
    } finally {
      sqlite.pragma('query_only = 0');
    }
    expect(final.status).toBe(500);
    expect((await sotto.sip.store.lookup(aor)).some((b) => b.contact === contact)).toBe(false);
    expect(sqlite.prepare('SELECT count(*) FROM sip_bindings WHERE aor = ? AND contact = ?').pluck().get(aor, contact)).toBe(0);
    // Another phone of the AOR registering meanwhile is not shown the refused contact.
    const query = await (await phone()).register({ contact: null });
    expect(query.final.status).toBe(200);
    expect((getHeaderList(query.final.headers, 'contact') ?? []).some((c) => c.startsWith(`<${contact}>`))).toBe(false);
    // Once the database takes writes again, the phone's retry is bound.
    expect((await p.register({ expires: 300 })).final.status).toBe(200);
    expect((await sotto.sip.store.lookup(aor)).some((b) => b.contact === contact)).toBe(true);
    expect((await p.register({ expires: 0 })).final.status).toBe(200);
  });

  it('blocks a flood of bad passwords from one address while a good phone elsewhere keeps working', async () => {
    const attacker = await phone({ localAddress: '127.0.0.9', password: 'guess' });
    const statuses: number[] = [];
    for (let i = 0; i < 12; i++) statuses.push((await attacker.register()).final.status);
    // The first failures are answered 401, then the address is refused outright.
    expect(statuses.slice(0, 3)).toEqual([401, 401, 401]);
    expect(statuses.slice(-3)).toEqual([403, 403, 403]);
    const good = await phone({ localAddress: '127.0.0.1' });
    expect((await good.register()).final.status).toBe(200);
    expect(sotto.sip.registrar.stats.throttled).toBeGreaterThan(0);
  });

  it('lets a wrong password block only itself, not other phones behind the same address', async () => {
    const broken = await phone({ localAddress: '127.0.0.10', password: 'stale-password' });
    for (let i = 0; i < 6; i++) await broken.register();
    expect((await broken.register()).final.status).toBe(403);
    const neighbour = await phone({ localAddress: '127.0.0.10', username: '102', password: password102 });
    expect((await neighbour.register()).final.status).toBe(200);
  });

  it('blocks an address spraying many user names', async () => {
    const sprayer = await phone({ localAddress: '127.0.0.11', password: 'x' });
    const statuses: number[] = [];
    for (let i = 0; i < 30; i++) {
      const p = await phone({ localAddress: '127.0.0.11', username: `9${String(i).padStart(2, '0')}`, aorUser: '101', password: 'x' });
      statuses.push((await p.register()).final.status);
    }
    expect(statuses.slice(0, 5)).toEqual([401, 401, 401, 401, 401]);
    expect(statuses.slice(-3)).toEqual([403, 403, 403]);
    sprayer.close();
  });

  it('survives a restart with its bindings, and forgets a disabled device at once', async () => {
    const p = await phone();
    expect((await p.register({ expires: 600 })).final.status).toBe(200);
    await sotto.stop();
    await rt.close();
    ({ rt, sotto } = await boot(dataDir));
    const bindings = await sotto.sip.store.lookup(`${practiceId}:101`);
    expect(bindings.some((b) => b.contact === `sip:101@127.0.0.1:${p.port}`)).toBe(true);

    await disableDevice(rt.database.db, practiceId, deviceId, CLI_ACTOR);
    await sotto.sip.removeDeviceBindings([deviceId]);
    expect(await sotto.sip.store.lookup(`${practiceId}:101`)).toEqual([]);
    const again = await phone();
    const { final } = await again.register();
    expect(final.status).toBe(401);
    expect(getHeader(final.headers, 'www-authenticate')).toBeDefined();
  });
});
