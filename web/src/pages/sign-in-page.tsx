// Sign-in in two steps, as the API has them: email and password
// (POST /session), then the code from the authenticator app
// (POST /session/mfa). A reload between the steps resumes at the code.
import { useState, type FormEvent } from 'react';
import { api, describeError, rememberSession, type SessionView } from '../api.ts';
import { PageHeading } from '../page-heading.tsx';

interface Props {
  /** A session waiting for its second factor, if the page was reloaded mid-sign-in. */
  pending: SessionView | null;
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

  async function submitPassword(e: FormEvent) {
    e.preventDefault();
    setBusy(true);
    setError(null);
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
    setBusy(true);
    setError(null);
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

  return (
    <main id="main" className="sign-in">
      <PageHeading>Sign in to Sotto</PageHeading>
      {notice && (
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
          <button type="submit" disabled={busy}>
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
          <button type="submit" disabled={busy}>
            {busy ? 'Checking…' : 'Sign in'}
          </button>
        </form>
      )}
    </main>
  );
}
