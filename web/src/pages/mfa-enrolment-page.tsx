// Two-factor set-up, required of owners and admins before anything else:
// the server makes a TOTP secret (shown once), the user proves the app has
// it with one code, and gets recovery codes (shown once).
import { useEffect, useState, type FormEvent } from 'react';
import { api, describeError } from '../api.ts';
import { PageHeading } from '../page-heading.tsx';

interface Enrolment {
  otpauthUri: string;
  secret: string;
}

/** Groups of four, as authenticator apps print them, so the secret can be read out and typed. */
function grouped(secret: string): string {
  return secret.replace(/(.{4})(?=.)/g, '$1 ');
}

export function MfaEnrolmentPage({ onDone }: { onDone: () => void }) {
  const [enrolment, setEnrolment] = useState<Enrolment | null>(null);
  const [code, setCode] = useState('');
  const [recoveryCodes, setRecoveryCodes] = useState<string[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    api<Enrolment>('POST', '/session/mfa/enrolment')
      .then(setEnrolment)
      .catch((e: unknown) => setError(describeError(e)));
  }, []);

  async function confirm(e: FormEvent) {
    e.preventDefault();
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      const r = await api<{ recoveryCodes: string[] }>('POST', '/session/mfa/enrolment/confirm', { code: code.replace(/\s+/g, '') });
      setRecoveryCodes(r.recoveryCodes);
    } catch (err) {
      setCode('');
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  if (recoveryCodes) {
    return (
      <>
        {/* Its own key: a new heading, so it mounts and takes focus (the set-up heading it replaces had it). */}
        <PageHeading key="enrolled">Two-factor sign-in is on</PageHeading>
        <p>Keep these recovery codes somewhere safe, away from your phone. Each works once, if the phone is lost. They are not shown again.</p>
        <ul className="recovery-codes" aria-label="Recovery codes">
          {recoveryCodes.map((c) => (
            <li key={c}>
              <code>{c}</code>
            </li>
          ))}
        </ul>
        <button type="button" onClick={onDone}>
          I have saved them, continue
        </button>
      </>
    );
  }

  return (
    <>
      <PageHeading>Set up two-factor sign-in</PageHeading>
      <p>Owners and administrators sign in with a code from an authenticator app as well as a password.</p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {enrolment && (
        <form onSubmit={confirm}>
          <ol>
            <li>
              In your authenticator app, add an account by key and type this key:
              <p className="secret">
                <code aria-label="Setup key">{grouped(enrolment.secret)}</code>
              </p>
              <details>
                <summary>Setup link for apps that accept one</summary>
                <code className="wrap">{enrolment.otpauthUri}</code>
              </details>
            </li>
            <li>
              <div className="field">
                <label htmlFor="enrol-code">Code shown by the app</label>
                <input id="enrol-code" inputMode="numeric" autoComplete="one-time-code" required minLength={6} maxLength={32} value={code} onChange={(e) => setCode(e.target.value)} />
              </div>
            </li>
          </ol>
          <button type="submit" aria-disabled={busy}>
            {busy ? 'Checking…' : 'Turn on two-factor sign-in'}
          </button>
        </form>
      )}
    </>
  );
}
