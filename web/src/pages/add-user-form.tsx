// "Add user" on the Users page: name, email, role, extension. Each refusal
// shows at its field; on success the new user's page opens, showing the
// voicemail PIN (when they got an extension) once.
import { useContext, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, type UserView } from '../api.ts';
import { refusedField } from '../field-errors.ts';
import { useFocusAfterRender } from '../focus-after.ts';
import { handOverVoicemailPin } from '../new-user-secret.ts';
import { Notices } from '../notices.tsx';
import { navigate } from '../router.tsx';
import { SessionContext } from '../session-context.ts';
import { isUserField, rolesViewerMayGrant, userFieldProblem } from '../user-rules.ts';
import { fieldId, UserFields, type UserDraft, type UserProblems } from './user-fields.tsx';

const EMPTY: UserDraft = { displayName: '', email: '', role: 'staff', extension: '' };

export function AddUserForm() {
  const viewer = useContext(SessionContext);
  const roles = rolesViewerMayGrant(viewer?.user?.role);
  const [open, setOpen] = useState(false);
  const [draft, setDraft] = useState<UserDraft>(EMPTY);
  const [problems, setProblems] = useState<UserProblems>({});
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const errorLine = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();

  function start() {
    setOpen(true);
    focusAfterRender(() => heading.current);
  }

  function cancel() {
    setOpen(false);
    setDraft(EMPTY);
    setProblems({});
    setError(null);
    focusAfterRender(() => opener.current);
  }

  async function add(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setProblems({});
    try {
      const extension = draft.extension.trim();
      const body = { displayName: draft.displayName.trim(), email: draft.email.trim(), role: draft.role, ...(extension ? { extension } : {}) };
      const r = await api<{ user: UserView; voicemailPin: string | null }>('POST', '/users', body);
      if (r.voicemailPin) handOverVoicemailPin(r.user.id, r.voicemailPin);
      navigate(`/users/${r.user.id}`);
    } catch (err) {
      const field = refusedField(err);
      if (isUserField(field)) {
        setProblems({ [field]: userFieldProblem(field, err instanceof ApiError ? err.code : '') });
        focusAfterRender(() => document.getElementById(fieldId('new-user', field)));
      } else {
        setError(describeError(err));
        focusAfterRender(() => errorLine.current);
      }
      setBusy(false);
    }
  }

  if (!open)
    return (
      <p>
        <button type="button" ref={opener} onClick={start}>
          Add user
        </button>
      </p>
    );
  return (
    <form onSubmit={add} aria-labelledby="add-user-heading" className="panel" noValidate>
      <h2 id="add-user-heading" ref={heading} tabIndex={-1}>
        Add a user
      </h2>
      <Notices error={error} status={null} errorRef={errorLine} />
      <UserFields
        prefix="new-user"
        draft={draft}
        problems={problems}
        roles={roles}
        extensionHelp="Optional, 2 to 6 digits. With one they get a voicemail box (its PIN is shown once) and can have phones."
        onChange={(next, field) => {
          setDraft(next);
          if (problems[field]) setProblems({ ...problems, [field]: undefined });
        }}
      />
      <div className="actions">
        <button type="submit" aria-disabled={busy}>
          {busy ? 'Adding…' : 'Add user'}
        </button>
        <button type="button" className="secondary" onClick={cancel}>
          Cancel
        </button>
      </div>
    </form>
  );
}
