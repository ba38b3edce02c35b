// The HIPAA posture page: every feature that stores PHI or can send it off
// the server, how the practice and its users have it, the risk in plain
// words and what to do; the platform safeguards; one button back to the
// HIPAA-safe defaults.
import { useEffect, useRef, useState } from 'react';
import { api, describeError, type Decision, type PostureItem, type PostureView } from '../api.ts';
import { useFocusAfterRender } from '../focus-after.ts';
import { PageHeading } from '../page-heading.tsx';
import { Notices } from '../notices.tsx';

const TIER_LABELS: Record<string, string> = { essentials: 'Essentials', pro: 'Pro', 'pro-plus': 'Pro Plus' };

const LEVEL_LABELS: Record<PostureItem['level'], string> = { ok: 'OK', attention: 'Attention', risk: 'Risk' };

function practiceState(d: Decision): string {
  if (d.enabled) return 'On';
  if (d.reason === 'tier') return 'Not in plan';
  if (d.reason === 'policy') return 'Off by policy';
  if (d.reason === 'requires') return 'Off (needs another feature)';
  return 'Off';
}

export function PosturePage() {
  const [posture, setPosture] = useState<PostureView | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const start = useRef<HTMLButtonElement>(null);
  const statusLine = useRef<HTMLParagraphElement>(null);
  const errorLine = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();

  useEffect(() => {
    api<PostureView>('GET', '/compliance/posture')
      .then(setPosture)
      .catch((e: unknown) => setError(describeError(e)));
  }, []);

  async function applySafeDefaults() {
    if (busy) return;
    setBusy(true);
    setError(null);
    try {
      setPosture(await api<PostureView>('POST', '/compliance/apply-safe-defaults'));
      setStatus('Safe defaults applied to the practice and every user.');
      setConfirming(false);
      // The confirmation is gone: the keyboard goes to what happened.
      focusAfterRender(() => statusLine.current);
    } catch (e) {
      setError(describeError(e));
      focusAfterRender(() => errorLine.current);
    } finally {
      setBusy(false);
    }
  }

  function cancel() {
    setConfirming(false);
    focusAfterRender(() => start.current);
  }

  return (
    <>
      <PageHeading>HIPAA posture</PageHeading>
      <Notices error={error} status={status} errorRef={errorLine} statusRef={statusLine} />
      {posture === null && !error && <p>Loading…</p>}
      {posture && (
        <>
          <p className="summary">
            Plan: <strong>{TIER_LABELS[posture.tier] ?? posture.tier}</strong>. {posture.summary.risk} at risk, {posture.summary.attention} needing attention, {posture.summary.ok} OK.
          </p>
          <section aria-labelledby="safe-defaults-heading" className="panel">
            <h2 id="safe-defaults-heading">Safe defaults</h2>
            <p>Switches every feature that sends PHI off this server back off, for the practice and for every user. Retention periods are kept.</p>
            {confirming ? (
              <div className="actions" role="group" aria-label="Confirm safe defaults">
                {/* The button that opened the confirmation is gone: the keyboard goes to the choice it asks for. */}
                <button type="button" className="danger" aria-disabled={busy} autoFocus onClick={() => void applySafeDefaults()}>
                  {busy ? 'Applying…' : 'Yes, apply safe defaults'}
                </button>
                <button type="button" className="secondary" disabled={busy} onClick={cancel}>
                  Cancel
                </button>
              </div>
            ) : (
              <button type="button" ref={start} onClick={() => setConfirming(true)}>
                Apply safe defaults
              </button>
            )}
          </section>
          <h2>Features that store or send PHI</h2>
          <ul className="posture-items">
            {posture.items.map((item) => {
              const usersOn = item.users.filter((u) => u.enabled).length;
              return (
                <li key={item.feature} className={`posture-item level-${item.level}`} aria-labelledby={`item-${item.feature}`}>
                  <h3 id={`item-${item.feature}`}>
                    <span className={`badge ${item.level}`}>{LEVEL_LABELS[item.level]}</span> {item.title}
                  </h3>
                  <dl className="facts">
                    <dt>Practice</dt>
                    <dd>{practiceState(item.practice)}</dd>
                    {item.users.length > 0 && (
                      <>
                        <dt>Users</dt>
                        <dd>
                          On for {usersOn} of {item.users.length}
                        </dd>
                      </>
                    )}
                    <dt>Where PHI goes</dt>
                    <dd>{[item.stores ? 'Stored on this server, sealed' : null, item.sendsOffBox ? 'Can leave this server' : null].filter(Boolean).join('; ') || 'Nowhere'}</dd>
                    <dt>Risk</dt>
                    <dd>{item.risk}</dd>
                    <dt>Action</dt>
                    <dd>{item.action}</dd>
                  </dl>
                </li>
              );
            })}
          </ul>
          {posture.safeguards.length > 0 && (
            <>
              <h2>Platform safeguards</h2>
              <div className="table-wrap">
                <table>
                  <thead>
                    <tr>
                      <th scope="col">Safeguard</th>
                      <th scope="col">State</th>
                      <th scope="col">Detail</th>
                    </tr>
                  </thead>
                  <tbody>
                    {posture.safeguards.map((s) => (
                      <tr key={s.id}>
                        <th scope="row">{s.title}</th>
                        <td>{s.state}</td>
                        <td>{s.detail}</td>
                      </tr>
                    ))}
                  </tbody>
                </table>
              </div>
            </>
          )}
        </>
      )}
    </>
  );
}
