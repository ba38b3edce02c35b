// On a user's Profile tab: disable a user (after a confirmation saying
// exactly what the server does, src/directory/users.ts disableUser and the
// SIP service's dropped bindings) or enable a disabled one again.
import { useContext, useRef, useState } from 'react';
import { api, describeError, type UserView } from '../api.ts';
import { useFocusAfterRender } from '../focus-after.ts';
import { Notices } from '../notices.tsx';
import { SessionContext } from '../session-context.ts';
import { whyNotDisable } from '../user-rules.ts';

export function UserStatusSection({ user, onChanged }: { user: UserView; onChanged: (user: UserView) => void }) {
  const viewer = useContext(SessionContext);
  const refusal = whyNotDisable(viewer?.user, user);
  const active = user.status === 'active';
  const [confirming, setConfirming] = useState(false);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const opener = useRef<HTMLButtonElement>(null);
  const statusLine = useRef<HTMLParagraphElement>(null);
  const errorLine = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();

  async function act() {
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const u = await api<UserView>('POST', `/users/${encodeURIComponent(user.id)}/${active ? 'disable' : 'enable'}`);
      onChanged(u);
      setConfirming(false);
      setStatus(
        u.status === 'disabled'
          ? `${u.displayName} is disabled: signed out, API tokens revoked, phones unregistered and disabled.`
          : `${u.displayName} is enabled: they can sign in again. Add their phones on the Devices tab.`,
      );
      focusAfterRender(() => statusLine.current);
    } catch (err) {
      setError(describeError(err));
      focusAfterRender(() => errorLine.current);
    } finally {
      setBusy(false);
    }
  }

  function cancel() {
    setConfirming(false);
    focusAfterRender(() => opener.current);
  }

  return (
    <section aria-labelledby="user-status-heading">
      <h3 id="user-status-heading">Account status</h3>
      <p className="help">{active ? 'Active: they can sign in and their phones can register.' : 'Disabled: they cannot sign in and have no working phones.'}</p>
      {refusal ? (
        <p className="help">{refusal}</p>
      ) : !confirming ? (
        <button type="button" className="secondary" ref={opener} onClick={() => setConfirming(true)}>
          {active ? 'Disable user' : 'Enable user'}
        </button>
      ) : (
        <div className="notice" role="group" aria-label={active ? `Confirm disabling ${user.displayName}` : `Confirm enabling ${user.displayName}`}>
          {active ? (
            <>
              <p>Disabling {user.displayName} at once:</p>
              <ul>
                <li>signs them out of the portal everywhere, and refuses their sign-in;</li>
                <li>revokes their API tokens and ends any break-glass access;</li>
                <li>disables their phones and drops their registrations: calls no longer reach them, and each phone's next registration is refused (it shows it is not registered).</li>
              </ul>
              <p>Their voicemail, settings and history are kept. Enabling them later lets them sign in again, but their phones stay disabled and must be added again.</p>
            </>
          ) : (
            <p>
              Enabling {user.displayName} lets them sign in again with the password they had. Their API tokens stay revoked and their phones stay disabled: add their phones again on the
              Devices tab, each with new credentials.
            </p>
          )}
          <div className="actions">
            <button type="button" className={active ? 'danger' : undefined} disabled={busy} onClick={() => void act()} autoFocus>
              {active ? 'Yes, disable' : 'Yes, enable'}
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={cancel}>
              Cancel
            </button>
          </div>
        </div>
      )}
      <Notices error={error} status={status} errorRef={errorLine} statusRef={statusLine} />
    </section>
  );
}
