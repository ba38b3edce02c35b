// What the portal's Devices tab relies on: a new device's credentials come
// with where to register it (domain and the SIP ports actually listening),
// once, and a disabled device stays listed as disabled.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';

describe.each(DIALECTS)('devices for the portal on %s', (dialect) => {
  let t: TestApi;
  beforeAll(async () => {
    // The address depends on the browser's address (inject's peer is 127.0.0.1): the route must pass it on.
    t = await createTestApi(dialect, 'pro', { sipPorts: () => ({ udp: 5070, tcp: 5070, tls: 5071 }), sipServer: (client) => (client === '127.0.0.1' ? '192.0.2.10' : undefined) });
  });
  afterAll(() => t.close());

  it('answers a new device with its credentials, the server address and the ports phones register on', async () => {
    const r = await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'softphone', label: 'Front desk laptop' } });
    expect(r.statusCode, r.body).toBe(201);
    expect(r.headers['cache-control']).toBe('no-store');
    expect(r.json()).toEqual({
      device: expect.objectContaining({ kind: 'softphone', label: 'Front desk laptop', sipUsername: expect.stringMatching(/^101/), status: 'active' }),
      sip: { username: r.json().device.sipUsername, password: expect.stringMatching(/^[A-Za-z2-9]{20}$/), domain: t.practice.sipDomain, server: '192.0.2.10', ports: { udp: 5070, tcp: 5070, tls: 5071 } },
    });
  });

  it('keeps a disabled device in the list, marked disabled, and refuses staff', async () => {
    const added = (await t.app.inject({ method: 'POST', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken), payload: { kind: 'desk_phone' } })).json();
    expect((await t.app.inject({ method: 'DELETE', url: `/api/v1/devices/${added.device.id}`, headers: bearer(t.staffToken) })).statusCode).toBe(403);
    const r = await t.app.inject({ method: 'DELETE', url: `/api/v1/devices/${added.device.id}`, headers: bearer(t.ownerToken) });
    expect(r.statusCode).toBe(200);
    const list = (await t.app.inject({ method: 'GET', url: `/api/v1/users/${t.staff.id}/devices`, headers: bearer(t.ownerToken) })).json();
    expect(list.items.find((d: { id: string }) => d.id === added.device.id)).toMatchObject({ status: 'disabled', kind: 'desk_phone' });
    expect(JSON.stringify(list)).not.toContain(added.sip.password);
  });

  it('documents the server address and the ports in the OpenAPI description', async () => {
    const doc = (await t.app.inject({ method: 'GET', url: '/api/v1/openapi.json' })).json();
    const created = doc.paths['/api/v1/users/{id}/devices'].post.responses['201'].content['application/json'].schema;
    expect(Object.keys(created.properties.sip.properties)).toEqual(['username', 'password', 'domain', 'server', 'ports']);
    expect(created.properties.sip.required).not.toContain('server');
    expect(created.properties.sip.properties.server.description).toContain('SOTTO_SIP_ADVERTISE');
  });
});
