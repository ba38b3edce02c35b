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

export const RegistrationView = Type.Union(
  [
    Type.Object({
      registered: Type.Boolean({ description: 'The phone holds at least one unexpired registration now' }),
      contacts: Type.Array(
        Type.Object({
          transport: Type.String({ description: 'UDP, TCP or TLS' }),
          userAgent: Type.Union([Type.String(), Type.Null()], { description: "The phone's User-Agent header, when it sent one" }),
          expiresAt: Type.String({ format: 'date-time', description: 'When the registration ends unless the phone refreshes it' }),
          address: Type.Optional(Type.String({ description: "Where the phone's REGISTER came from (host:port; behind NAT, the router's). Admins only" })),
        }),
      ),
    }),
    Type.Null(),
  ],
  { description: "The registrar's bindings of this device now (RFC 3261 10.3); null when SIP is not running on this server" },
);

export const ListedDevice = Type.Composite([DeviceView, Type.Object({ registration: RegistrationView })]);

export const DeviceList = Type.Object({ items: Type.Array(ListedDevice) });

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
