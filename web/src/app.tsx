// The portal shell: who is signed in decides between the sign-in page and the
// admin pages; the URL decides which admin page.
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, ApiError, pendingSignIn, rememberSession, type SessionView } from './api.ts';
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
import { Link, matchRoute, navigate, usePath, type UserTab } from './router.tsx';
import { SessionContext } from './session-context.ts';

/** The API's router refuses a path segment longer than this (maxParamLength): no user has such an id. */
const USER_ID_MAX = 100;

export function App() {
  // undefined while asking the server; null when nobody is signed in.
  const [session, setSession] = useState<SessionView | null | undefined>(undefined);
  const [signedOutNotice, setSignedOutNotice] = useState<string | null>(null);
  const [signOutProblem, setSignOutProblem] = useState<string | null>(null);

  const adopt = useCallback((s: SessionView | null) => {
    rememberSession(s);
    setSession(s);
  }, []);

  const refresh = useCallback(() => {
    api<SessionView>('GET', '/session')
      .then(adopt)
      .catch((e: unknown) => {
        // A sign-in waiting for its code (this tab reloaded at the code step) is not signed out: it resumes there.
        const pending = e instanceof ApiError && e.code === 'MFA_REQUIRED' ? pendingSignIn() : null;
        if (pending) return adopt(pending);
        if (!(e instanceof ApiError && e.status === 401)) setSignedOutNotice('Sotto could not be reached. Reload the page to try again.');
        adopt(null);
      });
  }, [adopt]);

  useEffect(refresh, [refresh]);

  const signOut = useCallback(async () => {
    try {
      await api('DELETE', '/session');
    } catch (e) {
      // Only a 401 means the server has no session left to end; anything else leaves it live, so the user stays signed in and is told.
      if (!(e instanceof ApiError && e.status === 401)) {
        setSignOutProblem(
          e instanceof ApiError
            ? `You are still signed in: Sotto did not end the session (${e.message}). Try Sign out again.`
            : 'You are still signed in: Sotto could not be reached to end the session. Check the connection and try Sign out again.',
        );
        return;
      }
    }
    setSignOutProblem(null);
    adopt(null);
    setSignedOutNotice('You are signed out.');
    navigate('/', { replace: true });
  }, [adopt]);

  // The server already ended the session (idle, expiry, revoked): the page stays where it is, for after sign-in.
  const ended = useCallback(
    (reason: string) => {
      adopt(null);
      setSignOutProblem(null);
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
      <SessionContext.Provider value={session}>
        <SignedIn session={session} onSignOut={signOut} onEnrolled={refresh} signOutProblem={signOutProblem} />
      </SessionContext.Provider>
    </>
  );
}

/**
 * Another tab of the same user's page (a click on Devices, Back): the page
 * does not reload, so its h1 keeps no focus to give; the tab's heading takes
 * it instead, where a screen reader announces the new tab.
 */
function useTabHeadingFocus(userId: string | null, tab: UserTab | null): void {
  const shown = useRef<{ userId: string | null; tab: UserTab | null }>({ userId, tab });
  useEffect(() => {
    const before = shown.current;
    shown.current = { userId, tab };
    if (userId === null || before.userId !== userId || before.tab === tab) return;
    const heading = document.getElementById('tab-heading');
    if (!heading) return;
    if (!heading.hasAttribute('tabindex')) heading.tabIndex = -1;
    heading.focus();
  }, [userId, tab]);
}

function SignedIn({ session, onSignOut, onEnrolled, signOutProblem }: { session: SessionView; onSignOut: () => void; onEnrolled: () => void; signOutProblem: string | null }) {
  const path = usePath();
  const route = matchRoute(path);
  const isAdmin = session.user?.role === 'owner' || session.user?.role === 'admin';
  useTabHeadingFocus(route.page === 'user' ? route.userId : null, route.page === 'user' ? route.tab : null);
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
            <li>
              <Link to="/account/security" aria-current={route.page === 'account' ? 'page' : undefined}>
                Account security
              </Link>
            </li>
          </ul>
        </nav>
        <button type="button" className="secondary" onClick={onSignOut}>
          Sign out
        </button>
      </header>
      <main id="main">
        {signOutProblem && (
          <p className="notice error" role="alert">
            {signOutProblem}
          </p>
        )}
        {session.mfaEnrolmentRequired ? (
          <MfaEnrolmentPage onDone={onEnrolled} />
        ) : route.page === 'inbox' || (!isAdmin && path === '/') ? (
          <VoicemailInboxPage key={route.page === 'inbox' ? (route.messageId ?? '') : ''} openMessageId={route.page === 'inbox' ? route.messageId : undefined} />
        ) : route.page === 'account' ? (
          <AccountSecurityPage session={session} onSignOut={onSignOut} />
        ) : route.page === 'not-found' ? (
          <>
            <PageHeading>Page not found</PageHeading>
            <p>{isAdmin ? <Link to="/users">Go to the users list</Link> : <Link to="/voicemail">Go to the voicemail inbox</Link>}</p>
          </>
        ) : !isAdmin ? (
          <p className="notice">These pages are for practice owners and administrators.</p>
        ) : route.page === 'users' ? (
          <UsersPage />
        ) : route.page === 'user' && route.userId.length > USER_ID_MAX ? (
          <>
            <PageHeading>User not found</PageHeading>
            <p>No user of this practice has that address.</p>
            <p>
              <Link to="/users">Go to the users list</Link>
            </p>
          </>
        ) : route.page === 'user' ? (
          <UserPage key={route.userId} userId={route.userId} tab={route.tab} selfId={session.user?.id ?? null} />
        ) : route.page === 'practice' ? (
          <PracticePage role={session.user?.role} />
        ) : route.page === 'posture' ? (
          <PosturePage />
        ) : route.page === 'audit' ? (
          <AuditLogPage />
        ) : null}
      </main>
    </>
  );
}
