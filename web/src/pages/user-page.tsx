// One user's page: Profile, Devices and Voicemail tabs. The tabs are links (each has
// its own URL, reload keeps it), marked with aria-current for the open one.
import { useEffect, useState } from 'react';
import { api, describeError, type UserView } from '../api.ts';
import { useFocusAfterRender } from '../focus-after.ts';
import { PageHeading } from '../page-heading.tsx';
import { Link, type UserTab } from '../router.tsx';
import { DevicesTab } from './devices-tab.tsx';
import { PortalPasswordSection } from './portal-password-section.tsx';
import { SecondFactorResetSection } from './second-factor-reset-section.tsx';
import { forgetVoicemailPin, voicemailPinFor } from '../new-user-secret.ts';
import { ROLE_LABELS } from '../user-rules.ts';
import { UserDetailsSection } from './user-details-section.tsx';
import { UserStatusSection } from './user-status-section.tsx';
import { VoicemailPinOnce } from './voicemail-pin-once.tsx';
import { VoicemailTab } from './voicemail-tab.tsx';

export function UserPage({ userId, tab, selfId }: { userId: string; tab: UserTab; selfId: string | null }) {
  const [user, setUser] = useState<UserView | null>(null);
  const [error, setError] = useState<string | null>(null);
  // Handed over by "Add user": read here, forgotten once on screen, so a reload or another page never shows it.
  const [newPin, setNewPin] = useState(() => voicemailPinFor(userId));

  const focusAfterRender = useFocusAfterRender();

  useEffect(() => {
    if (newPin !== null) forgetVoicemailPin();
  }, [newPin]);

  function pinPassedOn() {
    setNewPin(null);
    focusAfterRender(() => document.getElementById('user-details-heading'));
  }

  useEffect(() => {
    api<UserView>('GET', `/users/${encodeURIComponent(userId)}`)
      .then(setUser)
      .catch((e: unknown) => setError(describeError(e)));
  }, [userId]);

  if (error)
    return (
      <>
        <PageHeading>User</PageHeading>
        <p className="notice error" role="alert">
          {error}
        </p>
        <Link to="/users">Back to users</Link>
      </>
    );
  if (!user) return <p>Loading…</p>;
  return (
    <>
      <p className="breadcrumb">
        <Link to="/users">Users</Link>
      </p>
      <PageHeading>{user.displayName}</PageHeading>
      <nav aria-label="User settings" className="tabs">
        <Link to={`/users/${user.id}`} aria-current={tab === 'profile' ? 'page' : undefined}>
          Profile
        </Link>
        <Link to={`/users/${user.id}/devices`} aria-current={tab === 'devices' ? 'page' : undefined}>
          Devices
        </Link>
        <Link to={`/users/${user.id}/voicemail`} aria-current={tab === 'voicemail' ? 'page' : undefined}>
          Voicemail
        </Link>
      </nav>
      <section className="tab-panel" aria-labelledby="tab-heading">
        {tab === 'profile' ? (
          <>
            <h2 id="tab-heading">Profile</h2>
            {newPin !== null && <VoicemailPinOnce name={user.displayName} extension={user.extension} pin={newPin} added onDone={pinPassedOn} />}
            <dl className="facts">
              <dt>Email</dt>
              <dd>{user.email}</dd>
              <dt>Extension</dt>
              <dd>{user.extension ?? 'None'}</dd>
              <dt>Role</dt>
              <dd>{ROLE_LABELS[user.role]}</dd>
              <dt>Status</dt>
              <dd>{user.status === 'active' ? 'Active' : 'Disabled'}</dd>
              <dt>Added</dt>
              <dd>{new Date(user.createdAt).toLocaleDateString()}</dd>
            </dl>
            <UserDetailsSection user={user} onSaved={setUser} />
            {selfId !== user.id && <PortalPasswordSection userId={user.id} name={user.displayName} role={user.role} active={user.status === 'active'} />}
            <SecondFactorResetSection user={user} />
            <UserStatusSection user={user} onChanged={setUser} />
          </>
        ) : tab === 'devices' ? (
          <DevicesTab userId={user.id} hasExtension={user.extension !== null} active={user.status === 'active'} />
        ) : (
          <VoicemailTab userId={user.id} />
        )}
      </section>
    </>
  );
}
