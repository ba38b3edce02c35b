/**
 * Who may see what, as pure functions (no I/O): the API's route gate and the
 * PHI checks that voicemail, fax and recording routes call.
 *
 * Roles: owner > admin > provider > staff. Deny by default.
 *  - Settings, users, devices, tokens: owners and admins.
 *  - A user's own things (profile, devices, voicemail settings): that user.
 *  - PHI (a voicemail box's messages): the box's owner, users granted the
 *    box, or a running break-glass grant. Being an admin is NOT enough: admins
 *    run the phone system, they do not read other people's messages.
 *  - Owners and admins signed in by cookie must have two-factor sign-in set
 *    up; until they do they reach only the enrolment and session routes.
 */
import type { Role } from '../directory/index.ts';

const RANK: Record<Role, number> = { owner: 4, admin: 3, provider: 2, staff: 1 };
const atLeast = (role: Role, min: Role) => RANK[role] >= RANK[min];

/**
 * Route access rules:
 * - 'public': no credentials (health, OpenAPI document, sign-in);
 * - 'member': any signed-in member of the practice;
 * - 'admin': owners and admins;
 * - 'self-or-admin': the user named by the `:id` path parameter, or an admin;
 * - 'mfa-pending': a session that passed its password and waits for its second factor.
 */
export type Access = 'public' | 'member' | 'admin' | 'self-or-admin' | 'mfa-pending';

/** Roles that must use two-factor sign-in on the portal (the default policy). */
export const MFA_REQUIRED_ROLES: readonly Role[] = ['owner', 'admin'];

export function mfaRequiredFor(role: Role): boolean {
  return MFA_REQUIRED_ROLES.includes(role);
}

export interface RouteCaller {
  userId: string;
  role: Role;
  /** False for an owner/admin on a cookie session without MFA set up. */
  mfaSatisfied: boolean;
  /** The session's stage ('token' for bearer tokens). */
  stage: 'active' | 'mfa_pending' | 'token';
}

export interface RouteRule {
  access: Access | undefined;
  /** Routes an owner/admin still without MFA may use: enrolment, who-am-I, sign-out. */
  allowWithoutMfa?: boolean;
}

export type RouteDecision = { allowed: true } | { allowed: false; status: 401 | 403; code: 'FORBIDDEN' | 'MFA_REQUIRED' | 'MFA_ENROLMENT_REQUIRED'; message: string };

const ALLOW: RouteDecision = { allowed: true };

export function decideRouteAccess(rule: RouteRule, caller: RouteCaller | undefined, targetUserId?: string): RouteDecision {
  if (rule.access === 'public') return ALLOW;
  if (!caller || rule.access === undefined) return { allowed: false, status: 403, code: 'FORBIDDEN', message: 'not allowed' };
  if (rule.access === 'mfa-pending') {
    return caller.stage === 'mfa_pending' ? ALLOW : { allowed: false, status: 403, code: 'FORBIDDEN', message: 'this step follows a password sign-in' };
  }
  if (caller.stage === 'mfa_pending') return { allowed: false, status: 401, code: 'MFA_REQUIRED', message: 'enter the code from your authenticator app first' };
  if (!caller.mfaSatisfied && !rule.allowWithoutMfa) {
    return { allowed: false, status: 403, code: 'MFA_ENROLMENT_REQUIRED', message: 'owners and admins must set up two-factor sign-in before anything else' };
  }
  if (rule.access === 'member') return ALLOW;
  if (atLeast(caller.role, 'admin')) return ALLOW;
  if (rule.access === 'self-or-admin' && targetUserId !== undefined && targetUserId === caller.userId) return ALLOW;
  return { allowed: false, status: 403, code: 'FORBIDDEN', message: 'this needs an admin of the practice' };
}

/** A break-glass grant as the access checks see it. */
export interface BreakGlassRef {
  id: string;
  targetType: 'voicemail_box' | 'user';
  targetId: string;
  /** ISO 8601. */
  expiresAt: string;
}

/** The caller with everything PHI access depends on, loaded once per request. */
export interface AccessPrincipal {
  practiceId: string;
  userId: string;
  role: Role;
  /** Voicemail boxes granted to this user (voicemail_box_grants). */
  voicemailBoxIds: readonly string[];
  /** Break-glass grants of this user (expired ones are ignored). */
  breakGlass: readonly BreakGlassRef[];
}

export interface VoicemailBox {
  id: string;
  practiceId: string;
  ownerUserId: string | null;
}

export type PhiAccessDecision =
  | { allowed: true; basis: 'owner' | 'grant' }
  | { allowed: true; basis: 'break_glass'; breakGlassId: string }
  | { allowed: false; reason: 'other_practice' | 'not_granted' };

/**
 * May this principal read (list, play, download) the messages of this box?
 * When the answer rests on break-glass the caller must say so in the audit
 * event (details.breakGlassId) so the access shows up as such.
 */
export function canReadVoicemailBox(principal: AccessPrincipal, box: VoicemailBox, nowMs: number = Date.now()): PhiAccessDecision {
  if (principal.practiceId !== box.practiceId) return { allowed: false, reason: 'other_practice' };
  if (box.ownerUserId !== null && box.ownerUserId === principal.userId) return { allowed: true, basis: 'owner' };
  if (principal.voicemailBoxIds.includes(box.id)) return { allowed: true, basis: 'grant' };
  const glass = principal.breakGlass.find(
    (g) =>
      Date.parse(g.expiresAt) > nowMs &&
      ((g.targetType === 'voicemail_box' && g.targetId === box.id) || (g.targetType === 'user' && box.ownerUserId !== null && g.targetId === box.ownerUserId)),
  );
  if (glass) return { allowed: true, basis: 'break_glass', breakGlassId: glass.id };
  return { allowed: false, reason: 'not_granted' };
}

/**
 * Who may break the glass: clinicians and those who run the practice.
 * Front-desk staff get standing grants to the boxes they answer instead.
 */
export function canBreakGlass(role: Role): boolean {
  return atLeast(role, 'provider');
}
