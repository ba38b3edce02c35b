import type { Static } from '@sinclair/typebox';
import { csrfTokenFor, type SessionRecord } from '../../../auth/index.ts';
import { mfaRequiredFor } from '../../access-policy.ts';
import type { Principal } from '../../principal.ts';
import type { SessionView } from './schema.ts';

const iso = (ms: number) => new Date(ms).toISOString();

/** A cookie session as the portal sees it: who, until when, and the CSRF token to echo. */
export function presentSession(
  record: SessionRecord,
  token: string,
  account: { role: Principal['role']; mfaEnrolled: boolean },
  csrfSecret: Uint8Array,
): Static<typeof SessionView> {
  return {
    stage: record.stage,
    via: 'session',
    user: record.stage === 'active' ? { id: record.userId, practiceId: record.practiceId, role: account.role } : null,
    mfaEnrolled: account.mfaEnrolled,
    mfaEnrolmentRequired: record.stage === 'active' && !account.mfaEnrolled && mfaRequiredFor(account.role),
    idleTimeoutMinutes: Math.round(record.idleTimeoutMs / 60_000),
    idleExpiresAt: iso(Math.min(record.lastSeenAt + record.idleTimeoutMs, record.absoluteExpiresAt)),
    absoluteExpiresAt: iso(record.absoluteExpiresAt),
    csrfToken: csrfTokenFor(csrfSecret, token),
  };
}

export function presentTokenPrincipal(p: Principal): Static<typeof SessionView> {
  return {
    stage: 'active',
    via: 'token',
    user: { id: p.userId, practiceId: p.practiceId, role: p.role },
    mfaEnrolled: p.mfaEnrolled,
    mfaEnrolmentRequired: false,
    idleTimeoutMinutes: null,
    idleExpiresAt: null,
    absoluteExpiresAt: null,
    csrfToken: null,
  };
}
