import type { Static } from '@sinclair/typebox';
import type { Device } from '../../../directory/index.ts';
import { formatHost, isIpv6 } from '../../../sip/message/index.ts';
import type { DeviceRegistration } from '../../server.ts';
import type { DeviceView, RegistrationView } from './schema.ts';

export function presentDevice(d: Device): Static<typeof DeviceView> {
  return { id: d.id, userId: d.userId, extension: d.extension, kind: d.kind, label: d.label, sipUsername: d.sipUsername, status: d.status, createdAt: d.createdAt };
}

/**
 * A device's live registrations, unexpired only. The address a phone
 * registered from is for admins (it locates the phone on the network); the
 * user themselves sees whether it is registered, how and until when.
 */
export function presentRegistration(bindings: readonly DeviceRegistration[] | null, deviceId: string, now: number, withAddress: boolean): Static<typeof RegistrationView> {
  if (bindings === null) return null;
  const live = bindings.filter((b) => b.deviceId === deviceId && b.expiresAt > now).sort((a, b) => b.expiresAt - a.expiresAt);
  return {
    registered: live.length > 0,
    contacts: live.map((b) => ({
      transport: b.source.transport.toUpperCase(),
      userAgent: b.userAgent,
      expiresAt: new Date(b.expiresAt).toISOString(),
      ...(withAddress ? { address: `${formatHost(b.source.address, isIpv6(b.source.address) ? 'ipv6' : 'ipv4')}:${b.source.port}` } : {}),
    })),
  };
}
