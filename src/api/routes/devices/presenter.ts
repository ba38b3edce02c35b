import type { Static } from '@sinclair/typebox';
import type { Device } from '../../../directory/index.ts';
import type { DeviceView } from './schema.ts';

export function presentDevice(d: Device): Static<typeof DeviceView> {
  return { id: d.id, userId: d.userId, extension: d.extension, kind: d.kind, label: d.label, sipUsername: d.sipUsername, status: d.status, createdAt: d.createdAt };
}
