import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { addDevice, disableDevice, getPractice, getUser, listDevices, roleAtLeast } from '../../../directory/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf, IdParams } from '../common.ts';
import { presentDevice, presentRegistration } from './presenter.ts';
import { CreatedDevice, DeviceList, DeviceView, NewDeviceBody } from './schema.ts';

export const deviceRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, onDeviceDisabled, portal, registrations, sipPorts, sipServer }) => {
  app.get(
    '/users/:id/devices',
    {
      config: { access: 'self-or-admin', errors: ['NOT_FOUND'] },
      schema: { tags: ['devices'], summary: "A user's SIP devices, each with whether it is registered now", params: IdParams, response: { 200: DeviceList } },
    },
    async (req) => {
      const p = principalOf(req);
      const user = await getUser(db, p.practiceId, req.params.id);
      const devices = await listDevices(db, p.practiceId, req.params.id);
      // Bindings are kept per address-of-record, the extension: the user's phones share one.
      const bindings = registrations && user.extension !== null ? await registrations(p.practiceId, user.extension) : registrations ? [] : null;
      const now = portal.clock.now();
      const admin = roleAtLeast(p.role, 'admin');
      return { items: devices.map((d) => ({ ...presentDevice(d), registration: presentRegistration(bindings, d.id, now, admin) })) };
    },
  );

  app.post(
    '/users/:id/devices',
    {
      config: { access: 'admin', errors: ['NOT_FOUND', 'USER_DISABLED', 'SIP_USERNAME_TAKEN'] },
      schema: { tags: ['devices'], summary: 'Add a SIP device (desk phone, softphone, ATA); returns its credentials once', params: IdParams, body: NewDeviceBody, response: { 201: CreatedDevice } },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const { device, sipPassword } = await addDevice(db, p.practiceId, req.params.id, req.body, actorOf(req));
      const practice = await getPractice(db, p.practiceId);
      void reply.header('cache-control', 'no-store');
      const ports = sipPorts?.();
      const server = sipServer?.(req.ip);
      return reply.status(201).send({
        device: presentDevice(device),
        sip: { username: device.sipUsername, password: sipPassword, domain: practice.sipDomain, ...(server !== undefined ? { server } : {}), ...(ports ? { ports: { ...ports } } : {}) },
      });
    },
  );

  app.delete(
    '/devices/:id',
    { config: { access: 'admin', errors: ['NOT_FOUND'] }, schema: { tags: ['devices'], summary: 'Disable a device: its registrations end and it can no longer register', params: IdParams, response: { 200: DeviceView } } },
    async (req) => {
      const device = await disableDevice(db, principalOf(req).practiceId, req.params.id, actorOf(req));
      onDeviceDisabled?.(device.id);
      return presentDevice(device);
    },
  );
};
