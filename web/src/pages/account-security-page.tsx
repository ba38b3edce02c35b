// Where a security notice's link lands (/account/security, from
// src/notify/portal-links.ts): how this account signs in, when this session
// ends, and what to do when a notice names something its owner did not do.
import { type SessionView } from '../api.ts';
import { PageHeading } from '../page-heading.tsx';

const ROLE_LABELS: Record<string, string> = { owner: 'Practice owner', admin: 'Administrator', provider: 'Provider', staff: 'Staff' };

export function AccountSecurityPage({ session, onSignOut }: { session: SessionView; onSignOut: () => void }) {
  const idleEnds = session.idleTimeoutMinutes !== null ? `after ${session.idleTimeoutMinutes} minutes without activity` : 'when you sign out';
  const absoluteEnds = session.absoluteExpiresAt !== null ? new Date(session.absoluteExpiresAt).toLocaleString() : null;
  return (
    <>
      <PageHeading>Account security</PageHeading>
      <dl className="facts">
        <dt>Role</dt>
        <dd>{ROLE_LABELS[session.user?.role ?? ''] ?? session.user?.role ?? 'Unknown'}</dd>
        <dt>Two-step sign-in</dt>
        <dd>{session.mfaEnrolled ? 'On: an authenticator app code is asked at every sign-in.' : 'Off: only your password is asked.'}</dd>
        <dt>This session</dt>
        <dd>
          Ends {idleEnds}
          {absoluteEnds !== null && <>, and at {absoluteEnds} at the latest</>}.
        </dd>
      </dl>
      <h2>A notice named something you did not do?</h2>
      <p>
        Sign out now, then tell your practice administrator at once. They can disable your account, which ends every session and API token it has
        straight away, and reset your two-step sign-in; every sign-in and change is in the practice's audit log for them to review.
      </p>
      <p>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </p>
    </>
  );
}
