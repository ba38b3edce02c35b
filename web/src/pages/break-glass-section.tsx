// At the foot of the voicemail inbox, for providers and admins: emergency
// access to a colleague's voicemail box (POST /break-glass) when its owner
// cannot be reached and no grant covers it. It takes a stated reason and a
// length of time, says plainly what happens (read-only, every play
// recorded and shown to the practice's admins), and then the inbox lists that
// box's messages, marked read-only, until the access ends. A refusal is said
// at its field, which takes focus; the outcome is said in the status line.
import { useContext, useEffect, useRef, useState, type FormEvent } from 'react';
import { api, ApiError, describeError } from '../api.ts';
import { Notices } from '../notices.tsx';
import { problemAttributes, refusedField } from '../field-errors.ts';
import { SessionContext } from '../session-context.ts';

interface ExtensionItem {
  id: string;
  number: string;
  userId: string | null;
  voicemailBoxId: string | null;
}

/** The API's bounds (src/api/routes/break-glass/schema.ts), said before it is asked. */
const REASON_MIN = 10;
const DURATIONS = [15, 30, 60, 120, 240] as const;

type Field = 'box' | 'reason';

export function BreakGlassSection({ onOpened }: { onOpened: () => void }) {
  const viewer = useContext(SessionContext)?.user ?? null;
  const mayBreakGlass = viewer !== null && viewer.role !== 'staff';
  const [boxes, setBoxes] = useState<ExtensionItem[] | null>(null);
  const [box, setBox] = useState('');
  const [reason, setReason] = useState('');
  const [minutes, setMinutes] = useState<number>(60);
  const [problems, setProblems] = useState<Partial<Record<Field, string>>>({});
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const inputs = { box: useRef<HTMLSelectElement>(null), reason: useRef<HTMLInputElement>(null) };
  const statusLine = useRef<HTMLParagraphElement>(null);

  useEffect(() => {
    if (!mayBreakGlass) return;
    api<{ items: ExtensionItem[] }>('GET', '/extensions')
      .then((r) => setBoxes(r.items.filter((e) => e.voicemailBoxId !== null && e.userId !== viewer.id)))
      .catch((e: unknown) => setError(describeError(e)));
  }, [mayBreakGlass, viewer?.id]);

  if (!mayBreakGlass || boxes === null || boxes.length === 0) return null;

  function refuse(found: Partial<Record<Field, string>>) {
    setProblems(found);
    const first = (['box', 'reason'] as const).find((f) => found[f] !== undefined);
    if (first) requestAnimationFrame(() => inputs[first].current?.focus());
  }

  async function submit(e: FormEvent) {
    e.preventDefault();
    setError(null);
    setStatus(null);
    const found: Partial<Record<Field, string>> = {};
    if (box === '') found.box = 'Choose the extension whose voicemail you need.';
    if (reason.trim().length < REASON_MIN) found.reason = `Say why, in a sentence (at least ${REASON_MIN} characters): the practice's admins read it.`;
    if (Object.keys(found).length > 0) return refuse(found);
    const chosen = boxes!.find((b) => b.voicemailBoxId === box)!;
    setBusy(true);
    try {
      const grant = await api<{ expiresAt: string }>('POST', '/break-glass', { targetType: 'voicemail_box', targetId: box, reason: reason.trim(), minutes });
      setReason('');
      setBox('');
      setProblems({});
      setStatus(`Break-glass access to extension ${chosen.number}'s voicemail is open, read only, until ${new Date(grant.expiresAt).toLocaleTimeString()}. Its messages are listed above.`);
      onOpened();
      requestAnimationFrame(() => statusLine.current?.focus());
    } catch (err) {
      const field = refusedField(err);
      if (err instanceof ApiError && field === 'reason') refuse({ reason: 'The reason must be one line of plain text, at least 10 characters.' });
      else setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel break-glass" aria-labelledby="break-glass-open-heading">
      <h2 id="break-glass-open-heading">Emergency access to a colleague's voicemail</h2>
      <p className="help">
        For an emergency when the box's owner cannot be reached and no one has given you access: you may listen to its messages, not mark or delete them,
        for the time you choose. Your reason and every message you play are recorded in the audit log and shown at the top of it, in red, to the practice's
        admins.
      </p>
      <form onSubmit={submit} noValidate>
        <div className="field">
          <label htmlFor="break-glass-box">Extension</label>
          <select
            id="break-glass-box"
            ref={inputs.box}
            value={box}
            {...problemAttributes('break-glass-box', problems.box)}
            onChange={(e) => {
              setBox(e.target.value);
              setProblems({ ...problems, box: undefined });
            }}
          >
            <option value="">Choose…</option>
            {boxes.map((b) => (
              <option key={b.id} value={b.voicemailBoxId!}>
                {b.number}
              </option>
            ))}
          </select>
          {problems.box && (
            <p id="break-glass-box-problem" className="field-problem">
              {problems.box}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="break-glass-reason">Reason</label>
          <input
            id="break-glass-reason"
            ref={inputs.reason}
            maxLength={500}
            value={reason}
            {...problemAttributes('break-glass-reason', problems.reason)}
            onChange={(e) => {
              setReason(e.target.value);
              setProblems({ ...problems, reason: undefined });
            }}
          />
          {problems.reason && (
            <p id="break-glass-reason-problem" className="field-problem">
              {problems.reason}
            </p>
          )}
        </div>
        <div className="field">
          <label htmlFor="break-glass-minutes">For</label>
          <select id="break-glass-minutes" value={minutes} onChange={(e) => setMinutes(Number(e.target.value))}>
            {DURATIONS.map((m) => (
              <option key={m} value={m}>
                {m < 60 ? `${m} minutes` : m === 60 ? '1 hour' : `${m / 60} hours`}
              </option>
            ))}
          </select>
        </div>
        <button type="submit" className="danger" disabled={busy}>
          {busy ? 'Opening…' : 'Open with break-glass'}
        </button>
      </form>
      <Notices error={error} status={status} statusRef={statusLine} />
    </section>
  );
}
