// On the Account security page, for a user with two-step sign-in: how many
// recovery codes are left, and a new set for a code from the authenticator
// app (POST /session/mfa/recovery-codes). The new codes are shown once, in
// place of the form; the old ones stop working at once. A refused code is
// said at the field, which takes focus; the new codes' heading takes focus
// so a screen reader hears them.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api.ts';
import { problemAttributes } from '../field-errors.ts';

interface CodesLeft {
  enrolled: boolean;
  total: number;
  left: number;
}

export function RecoveryCodesSection() {
  const [count, setCount] = useState<CodesLeft | null>(null);
  const [code, setCode] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [fresh, setFresh] = useState<string[] | null>(null);
  const input = useRef<HTMLInputElement>(null);
  const freshHeading = useRef<HTMLHeadingElement>(null);

  useEffect(() => {
    api<CodesLeft>('GET', '/session/mfa/recovery-codes')
      .then(setCount)
      .catch((e: unknown) => setError(describeError(e)));
  }, []);
  // The new codes' heading exists only once they are rendered: focus it then.
  useEffect(() => {
    if (fresh) freshHeading.current?.focus();
  }, [fresh]);

  if (count === null || !count.enrolled) {
    return error ? (
      <p className="notice error" role="alert">
        {error}
      </p>
    ) : null;
  }

  function refuse(text: string) {
    setProblem(text);
    requestAnimationFrame(() => input.current?.focus());
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    const typed = code.replace(/\s+/g, '');
    if (!/^[0-9]{6}$/.test(typed)) return refuse('Type the 6-digit code your authenticator app shows now.');
    setBusy(true);
    try {
      const r = await api<{ recoveryCodes: string[] }>('POST', '/session/mfa/recovery-codes', { code: typed });
      setCode('');
      setProblem(null);
      setFresh(r.recoveryCodes);
      setCount({ enrolled: true, total: r.recoveryCodes.length, left: r.recoveryCodes.length });
    } catch (err) {
      setCode('');
      if (err instanceof ApiError && err.code === 'MFA_CODE_INVALID') refuse('That code does not match, or was used already. Wait for the next one in your app.');
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  const left = count.left === 0 ? 'none of your recovery codes is left' : `${count.left} of your ${count.total} recovery codes ${count.left === 1 ? 'is' : 'are'} left`;
  return (
    <section aria-labelledby="recovery-codes-heading">
      <h2 id="recovery-codes-heading">Recovery codes</h2>
      {fresh ? (
        <>
          <h3 ref={freshHeading} tabIndex={-1}>
            Your new recovery codes
          </h3>
          <p>Keep them somewhere safe, away from your phone. Each works once, if the phone is lost. They are not shown again, and your old codes no longer work.</p>
          <ul className="recovery-codes" aria-label="New recovery codes">
            {fresh.map((c) => (
              <li key={c}>
                <code>{c}</code>
              </li>
            ))}
          </ul>
          <button type="button" className="secondary" onClick={() => setFresh(null)}>
            I have saved them
          </button>
        </>
      ) : (
        <>
          <p className="help">
            Now {left}. Used some, or lost the sheet? Make a new set with a code from your authenticator app: the old codes stop working at once, and you get an
            email saying so.
          </p>
          <form onSubmit={submit} noValidate>
            <div className="field">
              <label htmlFor="recovery-totp">Code from your authenticator app</label>
              <input
                id="recovery-totp"
                ref={input}
                inputMode="numeric"
                autoComplete="one-time-code"
                maxLength={9}
                value={code}
                {...problemAttributes('recovery-totp', problem)}
                onChange={(e) => {
                  setCode(e.target.value);
                  if (problem) setProblem(null);
                }}
              />
              {problem && (
                <p id="recovery-totp-problem" className="field-problem">
                  {problem}
                </p>
              )}
            </div>
            <button type="submit" disabled={busy}>
              {busy ? 'Making codes…' : 'Make new recovery codes'}
            </button>
          </form>
        </>
      )}
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
    </section>
  );
}
