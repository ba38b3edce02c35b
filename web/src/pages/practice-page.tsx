// Practice settings: the plan, the practice-wide switches each with its risk
// in plain words, and how long each kind of record is kept.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, describeError, type Role } from '../api.ts';
import { problemAttributes, refusedField } from '../field-errors.ts';
import { useFocusAfterRender } from '../focus-after.ts';
import { PageHeading } from '../page-heading.tsx';

type Switch =
  | 'voicemailEmailNotices'
  | 'emailAttachmentsAllowed'
  | 'emailTranscriptsAllowed'
  | 'voicemailTranscription'
  | 'virtualFax'
  | 'texting'
  | 'callRecording'
  | 'videoMeetings'
  | 'meetingRecording'
  | 'callQueues'
  | 'requireSrtp';
type RetentionKey = 'voicemailDays' | 'faxDays' | 'textDays' | 'transcriptDays' | 'callRecordingDays' | 'meetingRecordingDays' | 'auditDays';
type Policy = Record<Switch, boolean> & { retention: Record<RetentionKey, number> };

type Tier = 'essentials' | 'pro' | 'pro-plus';

interface Practice {
  id: string;
  name: string;
  tier: Tier;
  /** Per switch: does the plan include its feature (a switch the plan leaves out does nothing). */
  planIncludes: Partial<Record<Switch, boolean>>;
}

const TIER_LABELS: Record<Tier, string> = { essentials: 'Essentials', pro: 'Pro', 'pro-plus': 'Pro Plus' };
const TIERS: Tier[] = ['essentials', 'pro', 'pro-plus'];

/** The plan of a switch's feature, for "needs Pro" notes: the plans are nested, so the first that includes it. */
const NEEDS: Partial<Record<Switch, Tier>> = {
  emailTranscriptsAllowed: 'pro',
  voicemailTranscription: 'pro',
  callRecording: 'pro',
  videoMeetings: 'pro',
  meetingRecording: 'pro-plus',
  callQueues: 'pro-plus',
};

const SWITCHES: Array<{ key: Switch; label: string; risk: string }> = [
  { key: 'voicemailEmailNotices', label: 'Voicemail email notices', risk: 'The notice says only that a message is waiting; no PHI leaves the server.' },
  { key: 'emailAttachmentsAllowed', label: 'Voicemail audio in email allowed', risk: 'Recordings leave the server and stay in mailboxes outside your control.' },
  { key: 'emailTranscriptsAllowed', label: 'Transcripts in email allowed', risk: 'What callers said leaves the server as plain text.' },
  { key: 'voicemailTranscription', label: 'Voicemail transcription', risk: 'Transcribed on this server and sealed; transcripts are machine drafts.' },
  { key: 'virtualFax', label: 'Virtual fax', risk: 'Faxes are stored on this server, sealed.' },
  { key: 'texting', label: 'Business texting (SMS)', risk: 'Text messages pass through the carrier unencrypted; patients may send PHI.' },
  { key: 'callRecording', label: 'Call recording', risk: 'Every recorded call is PHI kept on this server; tell callers.' },
  { key: 'videoMeetings', label: 'Video meetings', risk: 'Meetings are encrypted in transit and not stored unless recorded.' },
  { key: 'meetingRecording', label: 'Meeting recording', risk: 'Recorded meetings are PHI kept on this server.' },
  { key: 'callQueues', label: 'Call queues', risk: 'No PHI stored beyond the call records.' },
  { key: 'requireSrtp', label: 'Require encrypted call media (SRTP)', risk: 'Phones that cannot encrypt media cannot call.' },
];

const RETENTION: Array<{ key: RetentionKey; label: string }> = [
  { key: 'voicemailDays', label: 'Voicemail' },
  { key: 'transcriptDays', label: 'Transcripts' },
  { key: 'faxDays', label: 'Faxes' },
  { key: 'textDays', label: 'Text messages' },
  { key: 'callRecordingDays', label: 'Call recordings' },
  { key: 'meetingRecordingDays', label: 'Meeting recordings' },
  { key: 'auditDays', label: 'Audit log' },
];

/** HIPAA keeps audit records six years (45 CFR 164.316(b)(2)); the server refuses less: AUDIT_RETENTION_FLOOR_DAYS, 6 x 366. */
const AUDIT_FLOOR_DAYS = 6 * 366;
const MAX_DAYS = 36500;
const minDays = (key: RetentionKey): number => (key === 'auditDays' ? AUDIT_FLOOR_DAYS : 1);

/** What is wrong with a retention period, in words for the field, or null. */
function retentionProblem(key: RetentionKey, days: number): string | null {
  if (key === 'auditDays' && Number.isInteger(days) && days < AUDIT_FLOOR_DAYS) {
    return `Keep the audit log at least ${AUDIT_FLOOR_DAYS} days (six years): HIPAA requires it.`;
  }
  if (!Number.isInteger(days) || days < minDays(key) || days > MAX_DAYS) return `Enter a whole number of days from ${minDays(key)} to ${MAX_DAYS}.`;
  return null;
}

export function PracticePage({ role }: { role: Role | undefined }) {
  const [practice, setPractice] = useState<Practice | null>(null);
  const [saved, setSaved] = useState<Policy | null>(null);
  const [draft, setDraft] = useState<Policy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [tierDraft, setTierDraft] = useState<Tier | null>(null);
  const [planStatus, setPlanStatus] = useState<string | null>(null);
  const [problems, setProblems] = useState<Partial<Record<RetentionKey, string>>>({});
  const statusLine = useRef<HTMLParagraphElement>(null);
  const planStatusLine = useRef<HTMLParagraphElement>(null);
  const errorLine = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();

  useEffect(() => {
    Promise.all([api<Practice>('GET', '/practice'), api<Policy>('GET', '/policy')])
      .then(([p, policy]) => {
        setPractice(p);
        setTierDraft(p.tier);
        setSaved(policy);
        setDraft(policy);
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!saved || !draft || busy) return;
    // The server's rules, checked here first so each problem shows at its field.
    const found: Partial<Record<RetentionKey, string>> = {};
    for (const r of RETENTION) {
      const problem = draft.retention[r.key] === saved.retention[r.key] ? null : retentionProblem(r.key, draft.retention[r.key]);
      if (problem) found[r.key] = problem;
    }
    setProblems(found);
    const firstProblem = RETENTION.find((r) => found[r.key]);
    if (firstProblem) {
      setStatus('Not saved: correct the highlighted field.');
      focusAfterRender(() => document.getElementById(`retention-${firstProblem.key}`));
      return;
    }
    const patch: Record<string, unknown> = {};
    for (const s of SWITCHES) if (draft[s.key] !== saved[s.key]) patch[s.key] = draft[s.key];
    const retention = Object.fromEntries(RETENTION.filter((r) => draft.retention[r.key] !== saved.retention[r.key]).map((r) => [r.key, draft.retention[r.key]]));
    if (Object.keys(retention).length > 0) patch['retention'] = retention;
    if (Object.keys(patch).length === 0) {
      setStatus('Nothing to save.');
      return;
    }
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const policy = await api<Policy>('PATCH', '/policy', patch);
      setSaved(policy);
      setDraft(policy);
      setStatus('Practice settings saved.');
      focusAfterRender(() => statusLine.current);
    } catch (err) {
      const field = refusedField(err);
      const key = RETENTION.find((r) => field === `retention.${r.key}`)?.key;
      if (key) {
        setProblems({ [key]: retentionProblem(key, draft.retention[key]) ?? describeError(err) });
        setStatus('Not saved: correct the highlighted field.');
        focusAfterRender(() => document.getElementById(`retention-${key}`));
      } else {
        setError(describeError(err));
        focusAfterRender(() => errorLine.current);
      }
    } finally {
      setBusy(false);
    }
  }

  async function changePlan() {
    if (!practice || !tierDraft || tierDraft === practice.tier) return;
    setBusy(true);
    setError(null);
    setPlanStatus(null);
    try {
      const p = await api<Practice>('PATCH', '/practice', { tier: tierDraft });
      setPractice(p);
      setTierDraft(p.tier);
      // A plan change turns off the switches the new plan leaves out: what is shown and saved next comes from the server, not the old page.
      const policy = await api<Policy>('GET', '/policy');
      setSaved(policy);
      setDraft(policy);
      setProblems({});
      setPlanStatus(`The plan is now ${TIER_LABELS[p.tier]}.`);
      focusAfterRender(() => planStatusLine.current);
    } catch (err) {
      setError(describeError(err));
      focusAfterRender(() => errorLine.current);
    } finally {
      setBusy(false);
    }
  }

  const included = (key: Switch): boolean => practice?.planIncludes[key] !== false;
  const isOwner = role === 'owner';

  return (
    <>
      <PageHeading>Practice settings</PageHeading>
      {error && (
        <p className="notice error" role="alert" tabIndex={-1} ref={errorLine}>
          {error}
        </p>
      )}
      {(!practice || !draft) && !error && <p>Loading…</p>}
      {practice && draft && (
        // noValidate: the browser's own check would stop Save with a bubble that leaves no mark on the field; save() checks instead.
        <form onSubmit={save} noValidate>
          <p className="summary">
            {practice.name}, on the <strong>{TIER_LABELS[practice.tier]}</strong> plan.
          </p>
          <fieldset>
            <legend>Plan</legend>
            <div className="field">
              <label htmlFor="practice-tier">Plan tier</label>
              <select
                id="practice-tier"
                value={tierDraft ?? practice.tier}
                disabled={busy || !isOwner}
                aria-describedby="practice-tier-help"
                onChange={(e) => setTierDraft(e.target.value as Tier)}
              >
                {TIERS.map((t) => (
                  <option key={t} value={t}>
                    {TIER_LABELS[t]}
                  </option>
                ))}
              </select>
              <p id="practice-tier-help" className="help">
                {isOwner
                  ? 'A plan allows features; the switches below may still turn them off. Features a plan leaves out stop at once.'
                  : 'Only an owner can change the plan.'}
              </p>
            </div>
            {isOwner && (
              <div className="actions">
                <button type="button" className="secondary" disabled={busy || tierDraft === practice.tier} onClick={() => void changePlan()}>
                  Change plan
                </button>
                <p role="status" className="status" tabIndex={-1} ref={planStatusLine}>
                  {planStatus}
                </p>
              </div>
            )}
          </fieldset>
          <fieldset>
            <legend>Features for the whole practice</legend>
            {SWITCHES.map((s) => (
              <div className="check" key={s.key}>
                <input
                  type="checkbox"
                  id={`policy-${s.key}`}
                  // A feature the plan leaves out is off, and locked: the server keeps its switch off, and a plan change turns it off.
                  checked={draft[s.key] && included(s.key)}
                  disabled={busy || !included(s.key)}
                  aria-describedby={`policy-${s.key}-risk`}
                  onChange={(e) => setDraft({ ...draft, [s.key]: e.target.checked })}
                />
                <label htmlFor={`policy-${s.key}`}>{s.label}</label>
                <p id={`policy-${s.key}-risk`} className="help">
                  {s.risk}
                  {!included(s.key) && (
                    <span className="why-locked">
                      {' '}
                      Not in the {TIER_LABELS[practice.tier]} plan{NEEDS[s.key] ? `: needs ${TIER_LABELS[NEEDS[s.key]!]}` : ''}.
                    </span>
                  )}
                </p>
              </div>
            ))}
          </fieldset>
          <fieldset>
            <legend>Keep records for (days)</legend>
            <div className="retention">
              {RETENTION.map((r) => (
                <div className="field" key={r.key}>
                  <label htmlFor={`retention-${r.key}`}>{r.label}</label>
                  <input
                    id={`retention-${r.key}`}
                    type="number"
                    min={minDays(r.key)}
                    max={MAX_DAYS}
                    step={1}
                    required
                    readOnly={busy}
                    value={Number.isNaN(draft.retention[r.key]) ? '' : draft.retention[r.key]}
                    {...problemAttributes(`retention-${r.key}`, problems[r.key])}
                    onChange={(e) => {
                      setDraft({ ...draft, retention: { ...draft.retention, [r.key]: e.target.valueAsNumber } });
                      if (problems[r.key]) setProblems({ ...problems, [r.key]: undefined });
                    }}
                  />
                  {problems[r.key] && (
                    <p id={`retention-${r.key}-problem`} className="field-problem">
                      {problems[r.key]}
                    </p>
                  )}
                </div>
              ))}
            </div>
          </fieldset>
          <div className="actions">
            <button type="submit" aria-disabled={busy}>
              {busy ? 'Saving…' : 'Save'}
            </button>
            <p role="status" className="status" tabIndex={-1} ref={statusLine}>
              {status}
            </p>
          </div>
        </form>
      )}
    </>
  );
}
