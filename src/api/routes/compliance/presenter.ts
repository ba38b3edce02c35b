import type { Static } from '@sinclair/typebox';
import type { Practice } from '../../../directory/index.ts';
import type { PostureItem } from '../../../policy/index.ts';
import type { PostureView } from './schema.ts';

export interface Safeguard {
  id: string;
  title: string;
  state: string;
  detail: string;
}

export function presentPosture(practice: Practice, items: PostureItem[], safeguards: Safeguard[]): Static<typeof PostureView> {
  const count = (level: PostureItem['level']) => items.filter((i) => i.level === level).length;
  return {
    practiceId: practice.id,
    tier: practice.tier,
    summary: { risk: count('risk'), attention: count('attention'), ok: count('ok') },
    safeguards,
    items: items.map((i) => ({
      feature: i.feature,
      title: i.title,
      stores: i.stores,
      sendsOffBox: i.sendsOffBox,
      practice: i.practice.enabled ? { enabled: true } : { enabled: false, reason: i.practice.reason },
      users: i.users.map((u) => (u.enabled ? { userId: u.userId, enabled: true } : { userId: u.userId, enabled: false, reason: u.reason })),
      level: i.level,
      risk: i.risk,
      action: i.action,
      safeDefault: i.safeDefault,
    })),
  };
}
