// The portal offers only what the API would accept (src/api/routes/users):
// an admin grants no owner role and does not change, disable or enable an
// owner; nobody disables themselves.
import { describe, expect, it } from 'vitest';
import { isUserField, rolesViewerMayGrant, userFieldProblem, whyNotChange, whyNotChangeEmail, whyNotDisable } from '../../web/src/user-rules.ts';

describe('who may do what to whom on the Users pages', () => {
  it('offers the owner role to owners only', () => {
    expect(rolesViewerMayGrant('owner')).toEqual(['owner', 'admin', 'provider', 'staff']);
    expect(rolesViewerMayGrant('admin')).toEqual(['admin', 'provider', 'staff']);
    expect(rolesViewerMayGrant('staff')).toEqual([]);
    expect(rolesViewerMayGrant(undefined)).toEqual([]);
  });

  it("lets an admin change anyone but an owner, and says why not", () => {
    expect(whyNotChange('admin', 'admin')).toBeNull();
    expect(whyNotChange('admin', 'staff')).toBeNull();
    expect(whyNotChange('owner', 'owner')).toBeNull();
    expect(whyNotChange('admin', 'owner')).toBe('Only an owner can change, disable or enable an owner.');
    expect(whyNotChange('provider', 'staff')).toBe('Only owners and administrators can change users.');
  });

  it('never offers to disable oneself', () => {
    expect(whyNotDisable({ id: 'a', role: 'owner' }, { id: 'a', role: 'owner' })).toBe('You cannot disable your own account; another owner or administrator can.');
    expect(whyNotDisable({ id: 'a', role: 'admin' }, { id: 'b', role: 'owner' })).toBe('Only an owner can change, disable or enable an owner.');
    expect(whyNotDisable({ id: 'a', role: 'admin' }, { id: 'b', role: 'staff' })).toBeNull();
  });

  it('words each refused field for the person at the form', () => {
    expect(isUserField('extension')).toBe(true);
    expect(isUserField('label')).toBe(false);
    expect(isUserField(null)).toBe(false);
    expect(userFieldProblem('email', 'EMAIL_TAKEN')).toBe('Another user of this practice already has this email.');
    expect(userFieldProblem('extension', 'EXTENSION_RESERVED')).toContain('emergency');
    expect(userFieldProblem('extension', 'VALIDATION_FAILED')).toBe('Use 2 to 6 digits, not starting with 0.');
  });
});

describe('who may change whose email', () => {
  const owner = { id: 'o', role: 'owner' as const };
  const admin = { id: 'a', role: 'admin' as const };
  it('is an owner for an owner or an administrator, anyone allowed to edit for the rest, and always oneself', () => {
    expect(whyNotChangeEmail(admin, { id: 'a2', role: 'admin' })).toMatch(/^Only an owner can change/);
    expect(whyNotChangeEmail(admin, { id: 'o', role: 'owner' })).toMatch(/^Only an owner can change/);
    expect(whyNotChangeEmail(admin, admin)).toBeNull();
    expect(whyNotChangeEmail(admin, { id: 's', role: 'staff' })).toBeNull();
    expect(whyNotChangeEmail(owner, { id: 'a2', role: 'admin' })).toBeNull();
  });
});
