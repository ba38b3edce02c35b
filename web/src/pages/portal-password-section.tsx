// On a user's Profile tab: give them a portal password. Users added by an
// admin have none and cannot reset one themselves, so without this only the
// owner could ever open the voicemail inbox the notice emails link to. The
// new password is shown once (only its argon2id hash is kept) and the
// user's open sessions end.
import { useContext, useRef, useState } from 'react';
import { api, describeError, type Role } from '../api.ts';
import { Notices } from '../notices.tsx';
import { SessionContext } from '../session-context.ts';

/** The server's rule (POST /users/{id}/password): an owner's or an admin's password is reset by an owner only. */
export function mayResetPortalPassword(viewer: Role | undefined, target: Role): boolean {
  return (target !== 'owner' && target !== 'admin') || viewer === 'owner';
}

/** `role`: the user's, which decides who may give them a password. */
export function PortalPasswordSection({ userId, name, role, active }: { userId: string; name: string; role: Role; active: boolean }) {
  const viewer = useContext(SessionContext);
  const [confirming, setConfirming] = useState(false);
  const [password, setPassword] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const shown = useRef<HTMLHeadingElement>(null);
  const start = useRef<HTMLButtonElement>(null);

  async function issue() {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const r = await api<{ password: string; endedSessions: number }>('POST', `/users/${encodeURIComponent(userId)}/password`);
      setPassword(r.password);
      setConfirming(false);
      setStatus(r.endedSessions > 0 ? `${name} was signed out of ${r.endedSessions === 1 ? 'one session' : `${r.endedSessions} sessions`}.` : null);
      requestAnimationFrame(() => shown.current?.focus());
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  function done() {
    setPassword(null);
    setStatus('The password is no longer shown anywhere. Set a new one if it was lost.');
    requestAnimationFrame(() => start.current?.focus());
  }

  return (
    <section aria-labelledby="portal-password-heading">
      <h3 id="portal-password-heading">Portal sign-in</h3>
      {password ? (
        <div className="credentials">
          <h4 ref={shown} tabIndex={-1}>
            New portal password for {name}
          </h4>
          <p className="once">
            <strong>Give it to {name} now: it will not be shown again.</strong> They sign in with their email and this password
            {' '}(owners and admins then set up an authenticator app).
          </p>
          <p>
            <code className="wrap" aria-label="Portal password">
              {password}
            </code>
          </p>
          <div className="actions">
            <button type="button" onClick={done}>
              Done, I have passed it on
            </button>
          </div>
        </div>
      ) : !mayResetPortalPassword(viewer?.user?.role, role) ? (
        <p className="help">Only an owner can give an owner or an administrator a new password.</p>
      ) : (
        <>
          <p className="help">A new password replaces the old one at once and signs {name} out everywhere.</p>
          {!confirming ? (
            <button type="button" className="secondary" ref={start} disabled={!active || busy} onClick={() => setConfirming(true)}>
              Set a new portal password
            </button>
          ) : (
            <div className="actions">
              <button type="button" disabled={busy} onClick={() => void issue()}>
                Yes, set a new password
              </button>
              <button type="button" className="secondary" disabled={busy} onClick={() => setConfirming(false)}>
                Cancel
              </button>
            </div>
          )}
        </>
      )}
      <Notices error={error} status={status} />
    </section>
  );
}
