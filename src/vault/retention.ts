// Retention per artifact kind, as a practice's policy sets it. Pure.
// HIPAA (45 CFR 164.316(b)(2)(i)) requires documentation, which includes the
// audit trail, to be kept six years: that is a floor no policy can lower.

import { VaultError, VaultErrorCode } from './errors.ts';
import { ARTIFACT_KINDS, type ArtifactKind } from './repositories.ts';

/** Days to keep each kind; null keeps it until the policy changes. */
export type RetentionPolicy = { readonly [K in ArtifactKind]?: number | null };

export const AUDIT_LOG_MIN_YEARS = 6;

/**
 * A legal hold's reference: a case or ticket id, never a name or a sentence
 * (it goes into the audit log). At least one letter, so no reference reads
 * as a phone number; no spaces, '@', '+' or ':'.
 */
export const HOLD_REFERENCE_PATTERN = '^(?=[^A-Za-z]*[A-Za-z])[A-Za-z0-9][A-Za-z0-9._#-]{0,63}$';
const MAX_DAYS = 100 * 366;
const DAY_MS = 86_400_000;

export const DEFAULT_RETENTION_DAYS: Readonly<Record<ArtifactKind, number | null>> = {
  voicemail: 365,
  fax: 6 * 365,
  text: 6 * 365,
  transcript: 365,
  call_recording: 365,
  meeting_recording: 365,
  audit_log: null,
};

export interface NormalizedRetention {
  days: Record<ArtifactKind, number | null>;
  /** Kinds whose requested period was raised to the legal floor (the portal warns). */
  raisedToFloor: ArtifactKind[];
}

/** Validates a policy and fills defaults. Throws VAULT_INVALID_ARGUMENT for nonsense values. */
export function normalizeRetention(policy: RetentionPolicy = {}): NormalizedRetention {
  const days = { ...DEFAULT_RETENTION_DAYS };
  const raisedToFloor: ArtifactKind[] = [];
  for (const kind of ARTIFACT_KINDS) {
    const value = policy[kind];
    if (value === undefined) continue;
    if (value !== null && (!Number.isInteger(value) || value < 1 || value > MAX_DAYS)) {
      throw new VaultError(VaultErrorCode.InvalidArgument, `retention for ${kind} must be 1..${MAX_DAYS} days or unlimited`);
    }
    days[kind] = value;
  }
  // Day counts cannot say "six calendar years" exactly (leap days); the
  // deadline applies the calendar floor, and anything that could fall short
  // of it is flagged here.
  if (days.audit_log !== null && days.audit_log < AUDIT_LOG_MIN_YEARS * 365 + 2) raisedToFloor.push('audit_log');
  return { days, raisedToFloor };
}

/** When an object of `kind` created at `createdAt` becomes eligible for purge; null = never. */
export function retentionDeadline(kind: ArtifactKind, createdAt: Date, policy: RetentionPolicy = {}): Date | null {
  // Every sealed object asks; a practice without a policy of its own needs no validation pass.
  const days = (hasNoEntries(policy) ? DEFAULT_RETENTION_DAYS : normalizeRetention(policy).days)[kind];
  if (days === null) return null;
  const deadline = new Date(createdAt.getTime() + days * DAY_MS);
  if (kind === 'audit_log') {
    const floor = addYears(createdAt, AUDIT_LOG_MIN_YEARS);
    return deadline.getTime() < floor.getTime() ? floor : deadline;
  }
  return deadline;
}

function hasNoEntries(policy: RetentionPolicy): boolean {
  for (const kind in policy) if (Object.hasOwn(policy, kind)) return false;
  return true;
}

function addYears(date: Date, years: number): Date {
  const d = new Date(date.getTime());
  d.setUTCFullYear(d.getUTCFullYear() + years);
  return d;
}
