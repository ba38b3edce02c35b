// On a user's Profile tab: reset their two-step sign-in after a lost phone
// (POST /users/{id}/mfa/reset). Shown only to whoever may do it, as the API
// decides it: an owner for anyone else, an admin for staff and providers,
// nobody for themselves, and never for a disabled user. A confirm step comes
// first; the outcome is said in the status line, which takes focus.
import { useContext, useRef, useState } from 'react';
import { api, describeError, type Role, type UserView } from '../api.ts';
import { Notices } from '../notices.tsx';
import { SessionContext } from '../session-context.ts';
import { mayResetPortalPassword } from './portal-password-section.tsx';

interface ResetResult {
  reset: boolean;
  endedSessions: number;
  recoveryCodesCleared: number;
}

/** The password reset's rule (an owner's or an admin's only by an owner), for an active user other than the viewer. */
function mayResetSecondFactor(viewer: { id: string; role: Role }, target: UserView): boolean {
  return viewer.id !== target.id && target.status === 'active' && mayResetPortalPassword(viewer.role, target.role);
}

export function SecondFactorResetSection({ user }: { user: UserView }) {
  const viewer = useContext(SessionContext)?.user ?? null;
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const start = useRef<HTMLButtonElement>(null);
  const statusLine = useRef<HTMLParagraphElement>(null);

  if (viewer === null || !mayResetSecondFactor(viewer, user)) return null;
  const name = user.displayName;
  const enrolsAgain = user.role === 'owner' || user.role === 'admin';

  async function reset() {
    setBusy(true);
    setError(null);
    try {
      const r = await api<ResetResult>('POST', `/users/${encodeURIComponent(user.id)}/mfa/reset`);
      setConfirming(false);
      setStatus(
        r.reset
          ? `Two-step sign-in for ${name} was reset${r.endedSessions > 0 ? ` and they were signed out of ${r.endedSessions === 1 ? 'one session' : `${r.endedSessions} sessions`}` : ''}. ` +
              `They sign in with their password alone${enrolsAgain ? ', then set up an authenticator app again' : ''}.`
          : `${name} has no two-step sign-in set up; nothing changed.`,
      );
      requestAnimationFrame(() => statusLine.current?.focus());
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section aria-labelledby="mfa-reset-heading">
      <h3 id="mfa-reset-heading">Two-step sign-in</h3>
      <p className="help">
        If {name} lost the phone with their authenticator app and has no recovery codes left, reset it: their app and recovery codes stop working, they are
        signed out everywhere, and they sign in with their password alone{enrolsAgain ? ', then set up an authenticator app again before anything else' : ''}.
      </p>
      {!confirming ? (
        <button type="button" className="secondary" ref={start} disabled={busy} onClick={() => setConfirming(true)}>
          Reset two-step sign-in
        </button>
      ) : (
        <div className="actions" role="group" aria-label={`Confirm resetting the two-step sign-in of ${name}`}>
          <button type="button" className="danger" disabled={busy} onClick={() => void reset()}>
            Yes, reset two-step sign-in
          </button>
          <button
            type="button"
            className="secondary"
            disabled={busy}
            onClick={() => {
              setConfirming(false);
              requestAnimationFrame(() => start.current?.focus());
            }}
          >
            Cancel
          </button>
        </div>
      )}
      <Notices error={error} status={status} statusRef={statusLine} />
    </section>
  );
}
