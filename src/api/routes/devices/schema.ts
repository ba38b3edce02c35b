import { Type } from '@sinclair/typebox';
import { DEVICE_KINDS, DISPLAY_TEXT_MAX } from '../../../directory/index.ts';
import { DisplayText } from '../common.ts';

export const DeviceView = Type.Object({
  id: Type.String(),
  userId: Type.String(),
  extension: Type.String(),
  kind: Type.Union(DEVICE_KINDS.map((k) => Type.Literal(k))),
  label: Type.String(),
  sipUsername: Type.String(),
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const DeviceList = Type.Object({ items: Type.Array(DeviceView) });

export const NewDeviceBody = Type.Object(
  {
    kind: Type.Union(DEVICE_KINDS.map((k) => Type.Literal(k))),
    label: Type.Optional(DisplayText(DISPLAY_TEXT_MAX.deviceLabel)),
    sipUsername: Type.Optional(Type.String({ pattern: '^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$' })),
  },
  { additionalProperties: false },
);

export const CreatedDevice = Type.Object({
  device: DeviceView,
  sip: Type.Object({
    username: Type.String(),
    password: Type.String({ description: 'Shown once; only digest HA1 values are kept' }),
    domain: Type.String({ description: "The practice's SIP domain: the phone's domain / realm, typed as shown even when it is not a host name on the network" }),
    server: Type.Optional(
      Type.String({
        description:
          "Where the phone registers (its SIP server / registrar / outbound proxy): SOTTO_SIP_ADVERTISE; else SOTTO_BIND when it is one address; else the address of this server's interface facing the browser that added the device, or the default route's when that browser is on the server itself. Absent when no phone on the network could reach Sotto (bound to loopback, or no network interface up) or SIP is not running.",
      }),
    ),
    ports: Type.Optional(
      Type.Object(
        { udp: Type.Integer(), tcp: Type.Integer(), tls: Type.Integer() },
        { description: 'Where the phone registers: UDP and TCP share a port, TLS has its own. Absent when SIP is not running.' },
      ),
    ),
  }),
});
