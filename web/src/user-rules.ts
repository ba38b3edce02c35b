// Who may do what to whom on the Users pages, as the API decides it
// (src/api/routes/users/route.ts), so the portal offers only what the server
// would accept and says why the rest is not there; and the words for a
// user field the API refused. Pure (no DOM), so it is unit-tested.
import type { Role } from './api.ts';

export const ROLES: readonly Role[] = ['owner', 'admin', 'provider', 'staff'];

export const ROLE_LABELS: Record<Role, string> = { owner: 'Owner', admin: 'Administrator', provider: 'Provider', staff: 'Staff' };

/** PATCH /users/{id} with a role: only an owner grants the owner role. */
export function rolesViewerMayGrant(viewer: Role | undefined): Role[] {
  if (viewer === 'owner') return [...ROLES];
  if (viewer === 'admin') return ROLES.filter((r) => r !== 'owner');
  return [];
}

/** PATCH, disable and enable of an owner: owners only. Null when the viewer may act, else the reason. */
export function whyNotChange(viewer: Role | undefined, target: Role): string | null {
  if (target === 'owner' && viewer !== 'owner') return 'Only an owner can change, disable or enable an owner.';
  if (viewer !== 'owner' && viewer !== 'admin') return 'Only owners and administrators can change users.';
  return null;
}

/**
 * PATCH /users/{id} with a new email: an owner's or an administrator's only by an owner (or by themselves), as for
 * their password: sign-in notices and voicemail go to it. Null when the viewer may, else the reason.
 */
export function whyNotChangeEmail(viewer: { id: string; role: Role } | null | undefined, target: { id: string; role: Role }): string | null {
  if (viewer?.id === target.id || viewer?.role === 'owner') return null;
  if (target.role === 'owner' || target.role === 'admin') return "Only an owner can change an owner's or an administrator's email: their sign-in notices and voicemail go there.";
  return null;
}

/** POST /users/{id}/disable: as a change, and never one's own account (CANNOT_DISABLE_SELF). */
export function whyNotDisable(viewer: { id: string; role: Role } | null | undefined, target: { id: string; role: Role }): string | null {
  if (viewer?.id === target.id) return 'You cannot disable your own account; another owner or administrator can.';
  return whyNotChange(viewer?.role, target.role);
}

export type UserField = 'displayName' | 'email' | 'role' | 'extension';

export const USER_FIELDS: readonly UserField[] = ['displayName', 'email', 'role', 'extension'];

export function isUserField(field: string | null): field is UserField {
  return field !== null && (USER_FIELDS as readonly string[]).includes(field);
}

/** The words for a field the API refused, said as the person at the form needs them (the API's own are for developers). */
export function userFieldProblem(field: UserField, code: string): string {
  switch (field) {
    case 'displayName':
      return 'Write the name as one line of plain text (up to 120 characters), without control characters or text-direction marks.';
    case 'email':
      return code === 'EMAIL_TAKEN' ? 'Another user of this practice already has this email.' : 'Enter an email address, such as name@practice.example.';
    case 'role':
      return 'Choose one of the roles listed.';
    case 'extension':
      if (code === 'EXTENSION_TAKEN') return 'Another user already has this extension. Choose another number.';
      if (code === 'EXTENSION_RESERVED') return 'This number is kept for emergency and carrier services (911, 988, 411 …). Choose another.';
      return 'Use 2 to 6 digits, not starting with 0.';
  }
}
