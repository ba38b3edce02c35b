import type { Static } from '@sinclair/typebox';
import type { CallSettingsView as View } from '../../../directory/index.ts';
import type { CallSettingsView } from './schema.ts';

export function presentCallSettings(v: View): Static<typeof CallSettingsView> {
  return { userId: v.userId, doNotDisturb: v.settings.doNotDisturb, ringTimeoutSeconds: v.settings.ringTimeoutSeconds, updatedAt: v.updatedAt };
}
