// Where a security notice's link lands (/account/security, from
// src/notify/portal-links.ts): how this account signs in, when this session
// ends, changing one's own password, a new set of recovery codes, and what
// to do when a notice names something its owner did not do.
import { type SessionView } from '../api.ts';
import { PageHeading } from '../page-heading.tsx';
import { PasswordChangeForm } from './password-change-form.tsx';
import { RecoveryCodesSection } from './recovery-codes-section.tsx';

const ROLE_LABELS: Record<string, string> = { owner: 'Practice owner', admin: 'Administrator', provider: 'Provider', staff: 'Staff' };

export function AccountSecurityPage({ session, onSignOut }: { session: SessionView; onSignOut: () => void }) {
  const idleEnds = session.idleTimeoutMinutes !== null ? `after ${session.idleTimeoutMinutes} minutes without activity` : 'when you sign out';
  const absoluteEnds = session.absoluteExpiresAt !== null ? new Date(session.absoluteExpiresAt).toLocaleString() : null;
  const role = session.user?.role;
  // Who may reset this account's two-step sign-in (POST /users/{id}/mfa/reset): an owner anyone else, an admin staff and providers.
  const resetBy = role === 'owner' || role === 'admin' ? 'another practice owner' : 'a practice owner or administrator';
  return (
    <>
      <PageHeading>Account security</PageHeading>
      <dl className="facts">
        <dt>Role</dt>
        <dd>{ROLE_LABELS[role ?? ''] ?? role ?? 'Unknown'}</dd>
        <dt>Two-step sign-in</dt>
        <dd>
          {session.mfaEnrolled
            ? `On: an authenticator app code is asked at every sign-in. Lost the phone? Sign in with one of your recovery codes, or ask ${resetBy} to reset it.`
            : 'Off: only your password is asked.'}
        </dd>
        <dt>This session</dt>
        <dd>
          Ends {idleEnds}
          {absoluteEnds !== null && <>, and at {absoluteEnds} at the latest</>}.
        </dd>
      </dl>
      <PasswordChangeForm />
      {session.mfaEnrolled && <RecoveryCodesSection />}
      <h2>A notice named something you did not do?</h2>
      <p>
        Change your password above: every other session of yours is signed out at once. Then tell {resetBy}. They can disable your account, which ends
        every session and API token it has straight away, give you a new password, and reset your two-step sign-in if your authenticator app may be in
        someone else's hands{role === 'owner' ? ' (as can whoever runs the server, with sotto user password and sotto user mfa-reset)' : ''}. Every sign-in
        and change is in the practice's audit log for them to review.
      </p>
      <p>
        <button type="button" onClick={onSignOut}>
          Sign out
        </button>
      </p>
    </>
  );
}
