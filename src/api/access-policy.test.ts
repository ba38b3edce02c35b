import { describe, expect, it } from 'vitest';
import type { Role } from '../directory/index.ts';
import { canBreakGlass, canReadVoicemailBox, decideRouteAccess, mfaRequiredFor, type AccessPrincipal, type Access, type RouteCaller } from './access-policy.ts';

const NOW = Date.UTC(2026, 10, 28, 12);
const box = { id: 'box-dr', practiceId: 'p1', ownerUserId: 'u-dr' };
const principal = (over: Partial<AccessPrincipal>): AccessPrincipal => ({ practiceId: 'p1', userId: 'u-x', role: 'staff', voicemailBoxIds: [], breakGlass: [], ...over });

describe('canReadVoicemailBox', () => {
  it('lets a user read their own box', () => {
    expect(canReadVoicemailBox(principal({ userId: 'u-dr', role: 'provider' }), box, NOW)).toEqual({ allowed: true, basis: 'owner' });
  });

  it.each<Role>(['owner', 'admin', 'provider', 'staff'])("refuses a %s someone else's box without a grant", (role) => {
    expect(canReadVoicemailBox(principal({ role }), box, NOW)).toEqual({ allowed: false, reason: 'not_granted' });
  });

  it('allows an explicit grant', () => {
    expect(canReadVoicemailBox(principal({ voicemailBoxIds: ['box-dr'] }), box, NOW)).toEqual({ allowed: true, basis: 'grant' });
  });

  it('allows a running break-glass on the box or on its owner, and names it', () => {
    const onBox = { id: 'bg1', targetType: 'voicemail_box' as const, targetId: 'box-dr', expiresAt: new Date(NOW + 60_000).toISOString() };
    const onUser = { id: 'bg2', targetType: 'user' as const, targetId: 'u-dr', expiresAt: new Date(NOW + 60_000).toISOString() };
    expect(canReadVoicemailBox(principal({ role: 'admin', breakGlass: [onBox] }), box, NOW)).toEqual({ allowed: true, basis: 'break_glass', breakGlassId: 'bg1' });
    expect(canReadVoicemailBox(principal({ role: 'admin', breakGlass: [onUser] }), box, NOW)).toEqual({ allowed: true, basis: 'break_glass', breakGlassId: 'bg2' });
  });

  it('ignores an expired break-glass, one for another box, and another practice', () => {
    const expired = { id: 'bg1', targetType: 'voicemail_box' as const, targetId: 'box-dr', expiresAt: new Date(NOW).toISOString() };
    const other = { id: 'bg2', targetType: 'voicemail_box' as const, targetId: 'box-other', expiresAt: new Date(NOW + 60_000).toISOString() };
    expect(canReadVoicemailBox(principal({ breakGlass: [expired, other] }), box, NOW).allowed).toBe(false);
    expect(canReadVoicemailBox(principal({ practiceId: 'p2', userId: 'u-dr', voicemailBoxIds: ['box-dr'] }), box, NOW)).toEqual({ allowed: false, reason: 'other_practice' });
  });

  it('gives an unowned (shared) box to grantees only', () => {
    const shared = { id: 'box-main', practiceId: 'p1', ownerUserId: null };
    expect(canReadVoicemailBox(principal({ role: 'owner' }), shared, NOW).allowed).toBe(false);
    expect(canReadVoicemailBox(principal({ voicemailBoxIds: ['box-main'] }), shared, NOW).allowed).toBe(true);
  });
});

describe('route access matrix', () => {
  const caller = (role: Role, over: Partial<RouteCaller> = {}): RouteCaller => ({ userId: `u-${role}`, role, mfaSatisfied: true, stage: 'active', ...over });
  const rules: Access[] = ['public', 'member', 'admin', 'self-or-admin'];
  // [rule, role, on self?] -> allowed
  const expected: Record<Access, Record<Role, [boolean, boolean]>> = {
    public: { owner: [true, true], admin: [true, true], provider: [true, true], staff: [true, true] },
    member: { owner: [true, true], admin: [true, true], provider: [true, true], staff: [true, true] },
    admin: { owner: [true, true], admin: [true, true], provider: [false, false], staff: [false, false] },
    'self-or-admin': { owner: [true, true], admin: [true, true], provider: [false, true], staff: [false, true] },
    'mfa-pending': { owner: [false, false], admin: [false, false], provider: [false, false], staff: [false, false] },
  };
  for (const rule of rules) {
    for (const role of ['owner', 'admin', 'provider', 'staff'] as Role[]) {
      it(`${rule} x ${role}`, () => {
        const [other, self] = expected[rule][role];
        expect(decideRouteAccess({ access: rule }, caller(role), 'u-someone-else').allowed).toBe(other);
        expect(decideRouteAccess({ access: rule }, caller(role), `u-${role}`).allowed).toBe(self);
      });
    }
  }

  it('denies a route with no rule, and anything without a caller', () => {
    expect(decideRouteAccess({ access: undefined }, caller('owner'))).toMatchObject({ allowed: false, status: 403 });
    expect(decideRouteAccess({ access: 'member' }, undefined)).toMatchObject({ allowed: false, status: 403 });
  });

  it('keeps an owner/admin without MFA to the enrolment routes', () => {
    const noMfa = caller('admin', { mfaSatisfied: false });
    expect(decideRouteAccess({ access: 'admin' }, noMfa)).toMatchObject({ allowed: false, code: 'MFA_ENROLMENT_REQUIRED' });
    expect(decideRouteAccess({ access: 'member', allowWithoutMfa: true }, noMfa).allowed).toBe(true);
    expect(mfaRequiredFor('owner') && mfaRequiredFor('admin')).toBe(true);
    expect(mfaRequiredFor('provider') || mfaRequiredFor('staff')).toBe(false);
  });

  it('lets a password-only session reach nothing but the MFA step', () => {
    const pending = caller('staff', { stage: 'mfa_pending' });
    expect(decideRouteAccess({ access: 'mfa-pending' }, pending).allowed).toBe(true);
    expect(decideRouteAccess({ access: 'member', allowWithoutMfa: true }, pending)).toMatchObject({ allowed: false, code: 'MFA_REQUIRED' });
    expect(decideRouteAccess({ access: 'mfa-pending' }, caller('staff')).allowed).toBe(false);
  });

  it('lets providers and up break the glass, not front-desk staff', () => {
    expect((['owner', 'admin', 'provider', 'staff'] as Role[]).map(canBreakGlass)).toEqual([true, true, true, false]);
  });
});
