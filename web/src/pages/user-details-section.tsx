// On a user's Profile tab: change their name, email, role and extension.
// Only what the API would accept is offered (an admin does not change an
// owner, nor make anyone an owner); each refusal shows at its field.
import { useContext, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError, type UserView } from '../api.ts';
import { refusedField } from '../field-errors.ts';
import { useFocusAfterRender } from '../focus-after.ts';
import { Notices } from '../notices.tsx';
import { SessionContext } from '../session-context.ts';
import { isUserField, rolesViewerMayGrant, userFieldProblem, whyNotChange, whyNotChangeEmail } from '../user-rules.ts';
import { fieldId, UserFields, type UserDraft, type UserProblems } from './user-fields.tsx';
import { VoicemailPinOnce } from './voicemail-pin-once.tsx';

const draftOf = (u: UserView): UserDraft => ({ displayName: u.displayName, email: u.email, role: u.role, extension: u.extension ?? '' });

export function UserDetailsSection({ user, onSaved }: { user: UserView; onSaved: (user: UserView) => void }) {
  const viewer = useContext(SessionContext);
  const refusal = whyNotChange(viewer?.user?.role, user.role);
  const [editing, setEditing] = useState(false);
  const [draft, setDraft] = useState<UserDraft>(() => draftOf(user));
  const [problems, setProblems] = useState<UserProblems>({});
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [pin, setPin] = useState<{ extension: string | null; pin: string } | null>(null);
  const [busy, setBusy] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const heading = useRef<HTMLHeadingElement>(null);
  const statusLine = useRef<HTMLParagraphElement>(null);
  const errorLine = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();

  function start() {
    setDraft(draftOf(user));
    setProblems({});
    setStatus(null);
    setEditing(true);
    focusAfterRender(() => heading.current);
  }

  function close(message: string | null) {
    setEditing(false);
    setStatus(message);
    focusAfterRender(() => (message ? statusLine.current : opener.current));
  }

  function refuse(field: keyof UserProblems, problem: string) {
    setProblems({ [field]: problem });
    focusAfterRender(() => document.getElementById(fieldId('edit-user', field)));
  }

  async function save(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    const extension = draft.extension.trim();
    if (extension === '' && user.extension !== null) return refuse('extension', 'An extension can be changed, not removed. Disable the user to stop their phones.');
    const patch: Record<string, string> = {};
    if (draft.displayName.trim() !== user.displayName) patch['displayName'] = draft.displayName.trim();
    if (draft.email.trim().toLowerCase() !== user.email) patch['email'] = draft.email.trim();
    if (draft.role !== user.role) patch['role'] = draft.role;
    if (extension !== (user.extension ?? '')) patch['extension'] = extension;
    if (Object.keys(patch).length === 0) return close('Nothing changed.');
    setBusy(true);
    setError(null);
    setProblems({});
    try {
      const r = await api<UserView & { voicemailPin?: string }>('PATCH', `/users/${encodeURIComponent(user.id)}`, patch);
      const { voicemailPin, ...saved } = r;
      onSaved(saved);
      if (voicemailPin) {
        setEditing(false);
        setStatus('Saved.');
        setPin({ extension: saved.extension, pin: voicemailPin });
      } else {
        close(
          user.extension !== null && saved.extension !== user.extension
            ? `Saved. Extension ${user.extension} is now ${saved.extension}: each of their phones is reached on the new number once it registers again (restart a phone to register it now).`
            : 'Saved.',
        );
      }
    } catch (err) {
      const field = refusedField(err);
      if (isUserField(field)) refuse(field, userFieldProblem(field, err instanceof ApiError ? err.code : ''));
      else {
        setError(describeError(err));
        focusAfterRender(() => errorLine.current);
      }
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="user-details-heading">
      <h3 id="user-details-heading" ref={heading} tabIndex={-1}>
        Details
      </h3>
      {pin && <VoicemailPinOnce name={user.displayName} extension={pin.extension} pin={pin.pin} added={false} onDone={() => { setPin(null); close('The PIN is no longer shown anywhere.'); }} />}
      {refusal ? (
        <p className="help">{refusal}</p>
      ) : !editing ? (
        <button type="button" className="secondary" ref={opener} onClick={start}>
          Edit details
        </button>
      ) : (
        <form onSubmit={save} aria-label={`Edit details of ${user.displayName}`} noValidate>
          <UserFields
            prefix="edit-user"
            draft={draft}
            problems={problems}
            roles={rolesViewerMayGrant(viewer?.user?.role)}
            emailLocked={whyNotChangeEmail(viewer?.user, user)}
            extensionHelp={
              user.extension === null
                ? '2 to 6 digits. Gives them a voicemail box (its PIN is shown once) and lets them have phones.'
                : "A new number keeps their voicemail box, phones and settings; their phones' registrations end, and each is reached on the new number once it registers again."
            }
            onChange={(next, field) => {
              setDraft(next);
              if (problems[field]) setProblems({ ...problems, [field]: undefined });
            }}
          />
          <div className="actions">
            <button type="submit" aria-disabled={busy}>
              {busy ? 'Saving…' : 'Save changes'}
            </button>
            <button type="button" className="secondary" onClick={() => close(null)}>
              Cancel
            </button>
          </div>
        </form>
      )}
      <Notices error={error} status={status} errorRef={errorLine} statusRef={statusLine} />
    </section>
  );
}
