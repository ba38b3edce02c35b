// The portal shell: who is signed in decides between the sign-in page and the
// admin pages; the URL decides which admin page.
import { useCallback, useEffect, useState } from 'react';
import { api, ApiError, rememberSession, type SessionView } from './api.ts';
import { IdleLogoff } from './idle-logoff.tsx';
import { PageHeading } from './page-heading.tsx';
import { AccountSecurityPage } from './pages/account-security-page.tsx';
import { MfaEnrolmentPage } from './pages/mfa-enrolment-page.tsx';
import { PracticePage } from './pages/practice-page.tsx';
import { AuditLogPage } from './pages/audit-log-page.tsx';
import { PosturePage } from './pages/posture-page.tsx';
import { SignInPage } from './pages/sign-in-page.tsx';
import { UserPage } from './pages/user-page.tsx';
import { UsersPage } from './pages/users-page.tsx';
import { VoicemailInboxPage } from './pages/voicemail-inbox-page.tsx';
import { Link, matchRoute, navigate, usePath } from './router.tsx';

export function App() {
  // undefined while asking the server; null when nobody is signed in.
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const [signedOutNotice, setSignedOutNotice] = useState<string | null>(null);

  const adopt = useCallback((s: SessionView | null) => {
    rememberSession(s);
    setSession(s);
  }, []);

  const refresh = useCallback(() => {
    api<SessionView>('GET', '/session')
      .then(adopt)
      .catch((e: unknown) => {
        if (!(e instanceof ApiError && e.status === 401)) setSignedOutNotice('Sotto could not be reached. Reload the page to try again.');
        adopt(null);
      });
  }, [adopt]);

  useEffect(refresh, [refresh]);

  const signOut = useCallback(async () => {
    await api('DELETE', '/session').catch(() => undefined);
    adopt(null);
    setSignedOutNotice('You are signed out.');
    navigate('/', { replace: true });
  }, [adopt]);

  // The server already ended the session (idle, expiry, revoked): the page stays where it is, for after sign-in.
  const ended = useCallback(
    (reason: string) => {
      adopt(null);
      setSignedOutNotice(reason);
    },
    [adopt],
  );

  if (session === undefined) return <p className="loading">Loading…</p>;
  if (session === null || session.stage !== 'active') {
    return (
      <SignInPage
        pending={session ?? null}
        notice={signedOutNotice}
        onSignedIn={(s) => {
          setSignedOutNotice(null);
          adopt(s);
        }}
      />
    );
  }
  return (
    <>
      <IdleLogoff session={session} onEnded={ended} />
      <SignedIn session={session} onSignOut={signOut} onEnrolled={refresh} />
    </>
  );
}

function SignedIn({ session, onSignOut, onEnrolled }: { session: SessionView; onSignOut: () => void; onEnrolled: () => void }) {
  const path = usePath();
  const route = matchRoute(path);
  const isAdmin = session.user?.role === 'owner' || session.user?.role === 'admin';
  return (
    <>
      <a className="skip-link" href="#main">
        Skip to content
      </a>
      <header className="top-bar">
        <span className="brand">Sotto</span>
        <nav aria-label="Main">
          <ul>
            {isAdmin && (
              <li>
                <Link to="/users" aria-current={route.page === 'users' || route.page === 'user' ? 'page' : undefined}>
                  Users
                </Link>
              </li>
            )}
            <li>
              <Link to="/voicemail" aria-current={route.page === 'inbox' ? 'page' : undefined}>
                Voicemail inbox
              </Link>
            </li>
            {isAdmin && (
              <>
                <li>
                  <Link to="/practice" aria-current={route.page === 'practice' ? 'page' : undefined}>
                    Practice
                  </Link>
                </li>
                <li>
                  <Link to="/posture" aria-current={route.page === 'posture' ? 'page' : undefined}>
                    HIPAA posture
                  </Link>
                </li>
                <li>
                  <Link to="/audit" aria-current={route.page === 'audit' ? 'page' : undefined}>
                    Audit log
                  </Link>
                </li>
              </>
            )}
          </ul>
        </nav>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        {session.mfaEnrolmentRequired ? (
          <MfaEnrolmentPage onDone={onEnrolled} />
        ) : route.page === 'inbox' || (!isAdmin && path === '/') ? (
          <VoicemailInboxPage key={route.page === 'inbox' ? (route.messageId ?? '') : ''} openMessageId={route.page === 'inbox' ? route.messageId : undefined} />
        ) : route.page === 'account' ? (
          <AccountSecurityPage session={session} onSignOut={onSignOut} />
        ) : !isAdmin ? (
          <p className="notice">These pages are for practice owners and administrators.</p>
        ) : route.page === 'users' ? (
          <UsersPage />
        ) : route.page === 'user' ? (
          <UserPage key={route.userId} userId={route.userId} tab={route.tab} selfId={session.user?.id ?? null} />
        ) : route.page === 'practice' ? (
          <PracticePage role={session.user?.role} />
        ) : route.page === 'posture' ? (
          <PosturePage />
        ) : route.page === 'audit' ? (
          <AuditLogPage />
        ) : (
          <>
            <PageHeading>Page not found</PageHeading>
            <p>
              <Link to="/users">Go to the users list</Link>
            </p>
          </>
        )}
      </main>
    </>
  );
}
