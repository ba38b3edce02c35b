// Automatic logoff (HIPAA 164.312(a)(2)(iii)) is enforced by the server; this
// warns before it happens. Every answered API call restarts the idle clock,
// as it does on the server; a minute before the end the user is offered to
// stay, and at the end the portal returns to the sign-in page.
import { useEffect, useRef, useState } from 'react';
import { api, listenToSession, type SessionView } from './api.ts';

const WARN_BEFORE_MS = 60_000;

export function IdleLogoff({ session, onEnded }: { session: SessionView; onEnded: (reason: string) => void }) {
  const idleMs = (session.idleTimeoutMinutes ?? 0) * 60_000;
  const [deadline, setDeadline] = useState(() => (session.idleExpiresAt ? Date.parse(session.idleExpiresAt) : Date.now() + idleMs));
  const [now, setNow] = useState(() => Date.now());
  const stayRef = useRef<HTMLButtonElement>(null);

  useEffect(() => {
    listenToSession({
      onActivity: () => setDeadline(Date.now() + idleMs),
      onSessionEnded: () => onEnded('Your session ended. Sign in again to continue.'),
    });
    return () => listenToSession(null);
  }, [idleMs, onEnded]);

  useEffect(() => {
    if (idleMs === 0) return;
    const timer = window.setInterval(() => setNow(Date.now()), 1000);
    return () => window.clearInterval(timer);
  }, [idleMs]);

  const left = deadline - now;
  const warning = idleMs > 0 && left <= WARN_BEFORE_MS;
  useEffect(() => {
    if (idleMs > 0 && left <= 0) onEnded('You were signed out after a period of inactivity.');
  }, [idleMs, left, onEnded]);
  useEffect(() => {
    if (warning) stayRef.current?.focus();
  }, [warning]);

  if (!warning || left <= 0) return null;
  return (
    <div className="idle-warning" role="alertdialog" aria-labelledby="idle-title" aria-describedby="idle-text">
      <h2 id="idle-title">Still there?</h2>
      <p id="idle-text">For patients' privacy you will be signed out in {Math.ceil(left / 1000)} seconds.</p>
      <button ref={stayRef} type="button" onClick={() => void api('GET', '/session').catch(() => undefined)}>
        Stay signed in
      </button>
    </div>
  );
}
