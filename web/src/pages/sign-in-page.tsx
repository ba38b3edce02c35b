// Sign-in in two steps, as the API has them: email and password
// (POST /session), then the code from the authenticator app
// (POST /session/mfa). A reload between the steps resumes at the code (the
// shell finds the pending sign-in, api.ts pendingSignIn); "Use another
// account" goes back to the password.
import { useState, type FormEvent } from 'react';
import { api, describeError, rememberSession, type SessionView } from '../api.ts';
import { useFocusAfterRender } from '../focus-after.ts';
import { PageHeading } from '../page-heading.tsx';

interface Props {
  /** A session waiting for its second factor, if the page was reloaded mid-sign-in. */
  pending: SessionView | null;
  /** Why the sign-in page is showing (signed out, session ended); it gives way to what happens next. */
  notice: string | null;
  onSignedIn: (session: SessionView) => void;
}

export function SignInPage({ pending, notice, onSignedIn }: Props) {
  const [step, setStep] = useState<'password' | 'code'>(pending?.stage === 'mfa_pending' ? 'code' : 'password');
  const [email, setEmail] = useState('');
  const [password, setPassword] = useState('');
  const [code, setCode] = useState('');
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [noticeShown, setNoticeShown] = useState(true);
  const focusAfterRender = useFocusAfterRender();

  async function submitPassword(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setNoticeShown(false);
    try {
      const s = await api<SessionView>('POST', '/session', { email, password });
      rememberSession(s);
      setPassword('');
      if (s.stage === 'active') onSignedIn(s);
      else setStep('code');
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  async function submitCode(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    setNoticeShown(false);
    try {
      const s = await api<SessionView>('POST', '/session/mfa', { code: code.replace(/\s+/g, '') });
      onSignedIn(s);
    } catch (err) {
      setCode('');
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  /** Back to email and password: the pending sign-in is dropped here, and the next one replaces it on the server. */
  function startOver() {
    rememberSession(null);
    setCode('');
    setError(null);
    setNoticeShown(false);
    setStep('password');
    focusAfterRender(() => document.getElementById('email'));
  }

  return (
    <main id="main" className="sign-in">
      <PageHeading>Sign in to Sotto</PageHeading>
      {notice && noticeShown && (
        <p className="notice" role="status">
          {notice}
        </p>
      )}
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {step === 'password' ? (
        <form onSubmit={submitPassword} key="password">
          <div className="field">
            <label htmlFor="email">Email</label>
            <input id="email" type="email" autoComplete="username" required value={email} onChange={(e) => setEmail(e.target.value)} />
          </div>
          <div className="field">
            <label htmlFor="password">Password</label>
            <input id="password" type="password" autoComplete="current-password" required value={password} onChange={(e) => setPassword(e.target.value)} />
          </div>
          <button type="submit" aria-disabled={busy}>
            {busy ? 'Checking…' : 'Continue'}
          </button>
        </form>
      ) : (
        <form onSubmit={submitCode} key="code">
          <div className="field">
            <label htmlFor="code">Authentication code</label>
            <input
              id="code"
              inputMode="numeric"
              autoComplete="one-time-code"
              required
              minLength={6}
              maxLength={32}
              aria-describedby="code-help"
              autoFocus
              value={code}
              onChange={(e) => setCode(e.target.value)}
            />
            <p id="code-help" className="help">
              The 6-digit code from your authenticator app, or one of your recovery codes.
            </p>
          </div>
          <div className="actions">
            <button type="submit" aria-disabled={busy}>
              {busy ? 'Checking…' : 'Sign in'}
            </button>
            <button type="button" className="secondary" onClick={startOver}>
              Use another account
            </button>
          </div>
        </form>
      )}
    </main>
  );
}
