// On the Account security page: change your own portal password
// (POST /session/password). Each refusal is said at the field it is about,
// which takes focus; after the change the status line does, so a screen
// reader hears that it worked and how many other sessions were signed out.
import { useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api.ts';
import { Notices } from '../notices.tsx';

type Field = 'current' | 'next' | 'again';
const FIELDS: readonly Field[] = ['current', 'next', 'again'];

/** "the new password is not accepted: it …" -> "The new password is not accepted: it …." */
function sentence(message: string): string {
  const text = message.charAt(0).toUpperCase() + message.slice(1);
  return /[.!?]$/.test(text) ? text : `${text}.`;
}

export function PasswordChangeForm() {
  const [values, setValues] = useState<Record<Field, string>>({ current: '', next: '', again: '' });
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputs = { current: useRef<HTMLInputElement>(null), next: useRef<HTMLInputElement>(null), again: useRef<HTMLInputElement>(null) };
  const statusLine = useRef<HTMLParagraphElement>(null);

  function showProblems(found: Partial<Record<Field, string>>) {
    setProblems(found);
    const first = FIELDS.find((f) => found[f] !== undefined);
    if (first) requestAnimationFrame(() => inputs[first].current?.focus());
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setStatus(null);
    const missing: Partial<Record<Field, string>> = {};
    if (values.current === '') missing.current = 'Type your current password.';
    if (values.next === '') missing.next = 'Type a new password.';
    else if (values.next !== values.again) missing.again = 'The two new passwords are not the same. Type the new password again.';
    if (Object.keys(missing).length > 0) return showProblems(missing);
    setBusy(true);
    try {
      const r = await api<{ endedSessions: number }>('POST', '/session/password', { currentPassword: values.current, newPassword: values.next });
      setValues({ current: '', next: '', again: '' });
      setProblems({});
      const others = r.endedSessions === 0 ? 'You had no other session open.' : `${r.endedSessions === 1 ? 'One other session was' : `${r.endedSessions} other sessions were`} signed out.`;
      setStatus(`Your password was changed. ${others} This one stays signed in.`);
      requestAnimationFrame(() => statusLine.current?.focus());
    } catch (err) {
      if (err instanceof ApiError && err.code === 'CURRENT_PASSWORD_WRONG') showProblems({ current: 'That is not your current password.' });
      else if (err instanceof ApiError && (err.code === 'WEAK_PASSWORD' || err.code === 'SAME_PASSWORD')) showProblems({ next: sentence(err.message) });
      else {
        setProblems({});
        setError(describeError(err));
      }
    } finally {
      setBusy(false);
    }
  }

  const field = (name: Field, label: string, autoComplete: string, help?: string) => {
    const id = `password-${name}`;
    const problem = problems[name];
    const describedBy = [help ? `${id}-help` : null, problem ? `${id}-problem` : null].filter(Boolean).join(' ');
    return (
      <div className="field">
        <label htmlFor={id}>{label}</label>
        <input
          id={id}
          ref={inputs[name]}
          type="password"
          autoComplete={autoComplete}
          required
          maxLength={1024}
          value={values[name]}
          aria-invalid={problem ? true : undefined}
          aria-describedby={describedBy || undefined}
          onChange={(e) => {
            setValues({ ...values, [name]: e.target.value });
            if (problem) setProblems({ ...problems, [name]: undefined });
          }}
        />
        {help && (
          <p id={`${id}-help`} className="help">
            {help}
          </p>
        )}
        {problem && (
          <p id={`${id}-problem`} className="field-problem">
            {problem}
          </p>
        )}
      </div>
    );
  };

  return (
    <section aria-labelledby="password-change-heading">
      <h2 id="password-change-heading">Change password</h2>
      <p className="help">Your other sessions are signed out when the password changes; this one stays signed in.</p>
      <form onSubmit={submit} noValidate>
        {field('current', 'Current password', 'current-password')}
        {field('next', 'New password', 'new-password', 'At least 12 characters: a few unrelated words make a good one. Not a commonly used password, and not your name, email or the practice’s name.')}
        {field('again', 'New password again', 'new-password')}
        <button type="submit" disabled={busy}>
          {busy ? 'Changing…' : 'Change password'}
        </button>
      </form>
      <Notices error={error} status={status} statusRef={statusLine} />
    </section>
  );
}
