// Practice settings: the plan, the practice-wide switches each with its risk
// in plain words, and how long each kind of record is kept.
import { useEffect, useState, type FormEvent } from 'react';
import { api, describeError } from '../api.ts';
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

interface Practice {
  id: string;
  name: string;
  tier: string;
}

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

export function PracticePage() {
  const [practice, setPractice] = useState<Practice | null>(null);
  const [saved, setSaved] = useState<Policy | null>(null);
  const [draft, setDraft] = useState<Policy | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  useEffect(() => {
    Promise.all([api<Practice>('GET', '/practice'), api<Policy>('GET', '/policy')])
      .then(([p, policy]) => {
        setPractice(p);
        setSaved(policy);
        setDraft(policy);
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, []);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!saved || !draft) return;
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
    } catch (err) {
      setError(describeError(err));
    } finally {
      setBusy(false);
    }
  }

  return (
    <>
      <PageHeading>Practice settings</PageHeading>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {(!practice || !draft) && !error && <p>Loading…</p>}
      {practice && draft && (
        <form onSubmit={save}>
          <p className="summary">
            {practice.name}, on the <strong>{practice.tier}</strong> plan.
          </p>
          <fieldset>
            <legend>Features for the whole practice</legend>
            {SWITCHES.map((s) => (
              <div className="check" key={s.key}>
                <input
                  type="checkbox"
                  id={`policy-${s.key}`}
                  checked={draft[s.key]}
                  disabled={busy}
                  aria-describedby={`policy-${s.key}-risk`}
                  onChange={(e) => setDraft({ ...draft, [s.key]: e.target.checked })}
                />
                <label htmlFor={`policy-${s.key}`}>{s.label}</label>
                <p id={`policy-${s.key}-risk`} className="help">
                  {s.risk}
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
                    min={1}
                    max={36500}
                    required
                    disabled={busy}
                    value={draft.retention[r.key]}
                    onChange={(e) => setDraft({ ...draft, retention: { ...draft.retention, [r.key]: e.target.valueAsNumber } })}
                  />
                </div>
              ))}
            </div>
          </fieldset>
          <div className="actions">
            <button type="submit" disabled={busy}>
              {busy ? 'Saving…' : 'Save'}
            </button>
            <p role="status" className="status">
              {status}
            </p>
          </div>
        </form>
      )}
    </>
  );
}
