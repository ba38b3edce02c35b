// The four fields of a user, as "Add user" and a user's "Edit details" show
// them: name, email, role (only the roles the viewer may grant) and
// extension, each with its problem line when the API refused it.
import type { Role } from '../api.ts';
import { problemAttributes } from '../field-errors.ts';
import { ROLE_LABELS, type UserField } from '../user-rules.ts';

export interface UserDraft {
  displayName: string;
  email: string;
  role: Role;
  extension: string;
}

export type UserProblems = Partial<Record<UserField, string>>;

/** The control of each field, for focus on the first refused one. */
export const fieldId = (prefix: string, field: UserField): string => `${prefix}-${field === 'displayName' ? 'name' : field}`;

export function UserFields({
  prefix,
  draft,
  problems,
  roles,
  extensionHelp,
  emailLocked = null,
  onChange,
}: {
  prefix: string;
  draft: UserDraft;
  problems: UserProblems;
  /** The roles offered; the draft's own is kept in the list even when the viewer may not grant it (it is shown, not changed). */
  roles: Role[];
  extensionHelp: string;
  /** Why the viewer may not change the email (shown in place of the usual help; the field is read only), or null. */
  emailLocked?: string | null;
  onChange: (draft: UserDraft, field: UserField) => void;
}) {
  const set = (field: UserField, value: string) => onChange({ ...draft, [field]: value }, field);
  const problem = (field: UserField) =>
    problems[field] && (
      <p id={`${fieldId(prefix, field)}-problem`} className="field-problem">
        {problems[field]}
      </p>
    );
  return (
    <div className="field-row">
      <div className="field">
        <label htmlFor={fieldId(prefix, 'displayName')}>Name</label>
        <input id={fieldId(prefix, 'displayName')} value={draft.displayName} maxLength={120} autoComplete="off" onChange={(e) => set('displayName', e.target.value)} {...problemAttributes(fieldId(prefix, 'displayName'), problems.displayName)} />
        {problem('displayName')}
      </div>
      <div className="field">
        <label htmlFor={fieldId(prefix, 'email')}>Email</label>
        <input
          id={fieldId(prefix, 'email')}
          type="email"
          value={draft.email}
          maxLength={254}
          autoComplete="off"
          readOnly={emailLocked !== null}
          onChange={(e) => set('email', e.target.value)}
          {...problemAttributes(fieldId(prefix, 'email'), problems.email, `${prefix}-email-help`)}
        />
        {problem('email')}
        <p id={`${prefix}-email-help`} className="help">
          {emailLocked ?? 'They sign in to the portal with it; notices go there, and a change is told to the address it replaces.'}
        </p>
      </div>
      <div className="field">
        <label htmlFor={fieldId(prefix, 'role')}>Role</label>
        <select id={fieldId(prefix, 'role')} value={draft.role} onChange={(e) => set('role', e.target.value)} {...problemAttributes(fieldId(prefix, 'role'), problems.role, `${prefix}-role-help`)}>
          {(roles.includes(draft.role) ? roles : [draft.role, ...roles]).map((r) => (
            <option key={r} value={r}>
              {ROLE_LABELS[r]}
            </option>
          ))}
        </select>
        {problem('role')}
        <p id={`${prefix}-role-help`} className="help">
          Owners and administrators manage the practice here (two-step sign-in required); providers and staff use their phones and voicemail.
          {!roles.includes('owner') && ' Only an owner can make someone an owner.'}
        </p>
      </div>
      <div className="field">
        <label htmlFor={fieldId(prefix, 'extension')}>Extension</label>
        <input
          id={fieldId(prefix, 'extension')}
          value={draft.extension}
          inputMode="numeric"
          maxLength={6}
          autoComplete="off"
          onChange={(e) => set('extension', e.target.value)}
          {...problemAttributes(fieldId(prefix, 'extension'), problems.extension, `${prefix}-extension-help`)}
        />
        {problem('extension')}
        <p id={`${prefix}-extension-help`} className="help">
          {extensionHelp}
        </p>
      </div>
    </div>
  );
}
