// The Voicemail tab: the four switches phone vendors' HIPAA guides tell
// admins to check. A switch the plan or the practice policy forbids is shown
// off and disabled, with the API's reason in words; the API's PHI warnings show after
// every load and save, and a pending choice that would put PHI into email is
// flagged before Save.
import { useEffect, useRef, useState, type FormEvent } from 'react';
import { api, describeError, type Decision, type VoicemailSettingsView, type VoicemailSwitch, type Warning } from '../api.ts';
import { useFocusAfterRender } from '../focus-after.ts';

const SWITCHES: Array<{ key: VoicemailSwitch; label: string; help: string }> = [
  { key: 'emailNotifications', label: 'Email notifications', help: 'Send an email when a new voicemail arrives. The email itself names no caller.' },
  { key: 'attachAudio', label: 'Attach audio', help: 'Attach the recording to the notification email.' },
  { key: 'includeTranscript', label: 'Include transcript', help: 'Put the transcript in the notification email.' },
  { key: 'transcription', label: 'Transcription', help: 'Transcribe voicemail on this server, for reading in the portal.' },
];

const FEATURE_LABELS: Record<string, string> = {
  voicemail_email_notice: 'Email notifications',
  voicemail_email_audio: 'Attach audio',
  voicemail_email_transcript: 'Include transcript',
  voicemail_transcription: 'Transcription',
};

/** Why a switch cannot be turned on here, or null when the admin may change it. */
function lockedBecause(d: Decision): string | null {
  if (d.enabled) return null;
  if (d.reason === 'tier') return "Not included in this practice's plan.";
  if (d.reason === 'policy') return "Switched off for the whole practice by its HIPAA policy.";
  return null;
}

function dependsOn(d: Decision): string | null {
  if (d.enabled || d.reason !== 'requires' || !d.requires) return null;
  return `Has no effect while ${FEATURE_LABELS[d.requires] ?? d.requires} is off.`;
}

/** PHI-into-email warnings for choices not saved yet. */
function pendingWarnings(saved: VoicemailSettingsView, draft: Record<VoicemailSwitch, boolean>): Warning[] {
  const out: Warning[] = [];
  const emailOn = draft.emailNotifications;
  if (emailOn && draft.attachAudio && !(saved.emailNotifications && saved.attachAudio)) {
    out.push({ code: 'PENDING_AUDIO', message: 'Saving will attach voicemail audio to email: recordings leave the server and stay in mailboxes outside your control.' });
  }
  if (emailOn && draft.includeTranscript && !(saved.emailNotifications && saved.includeTranscript)) {
    out.push({ code: 'PENDING_TRANSCRIPT', message: 'Saving will send transcripts in email: what callers said leaves the server as plain text.' });
  }
  return out;
}

/**
 * The saved choices' warnings that still hold for the draft: one the draft
 * already undoes (email notifications unticked) is no longer what Save does.
 */
function savedWarningsStanding(saved: VoicemailSettingsView, draft: Record<VoicemailSwitch, boolean>): Warning[] {
  return saved.warnings.filter((w) => {
    if (w.code === 'PHI_IN_EMAIL_AUDIO') return draft.emailNotifications && draft.attachAudio;
    if (w.code === 'PHI_IN_EMAIL_TRANSCRIPT') return draft.emailNotifications && draft.includeTranscript;
    return true;
  });
}

function draftOf(v: VoicemailSettingsView): Record<VoicemailSwitch, boolean> {
  return { emailNotifications: v.emailNotifications, attachAudio: v.attachAudio, includeTranscript: v.includeTranscript, transcription: v.transcription };
}

export function VoicemailTab({ userId }: { userId: string }) {
  const [saved, setSaved] = useState<VoicemailSettingsView | null>(null);
  const [draft, setDraft] = useState<Record<VoicemailSwitch, boolean> | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const statusLine = useRef<HTMLParagraphElement>(null);
  const errorLine = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();
  const path = `/users/${encodeURIComponent(userId)}/voicemail-settings`;

  useEffect(() => {
    api<VoicemailSettingsView>('GET', path)
      .then((v) => {
        setSaved(v);
        setDraft(draftOf(v));
      })
      .catch((e: unknown) => setError(describeError(e)));
  }, [path]);

  // One heading whether loading or loaded, so focus moved to it (a tab chosen) stays when the settings arrive.
  const heading = (
    <h2 id="tab-heading" tabIndex={-1}>
      Voicemail
    </h2>
  );
  if (!saved || !draft) {
    return (
      <div>
        {heading}
        {error ? (
          <p className="notice error" role="alert">
            {error}
          </p>
        ) : (
          <p>Loading…</p>
        )}
      </div>
    );
  }

  const changed = SWITCHES.filter((s) => draft[s.key] !== saved[s.key]).map((s) => s.key);

  async function save(e: FormEvent) {
    e.preventDefault();
    if (!saved || !draft || changed.length === 0 || busy) return;
    setBusy(true);
    setError(null);
    setStatus(null);
    try {
      const patch = Object.fromEntries(changed.map((k) => [k, draft[k]]));
      const v = await api<VoicemailSettingsView>('PATCH', path, patch);
      setSaved(v);
      setDraft(draftOf(v));
      setStatus('Voicemail settings saved.');
      // Nothing is left to save, so Save is disabled: the keyboard goes to what happened.
      focusAfterRender(() => statusLine.current);
    } catch (err) {
      setError(describeError(err));
      focusAfterRender(() => errorLine.current);
    } finally {
      setBusy(false);
    }
  }

  const warnings = [...savedWarningsStanding(saved, draft), ...pendingWarnings(saved, draft)];
  return (
    <div>
      {heading}
      <form onSubmit={save} aria-labelledby="tab-heading">
        <fieldset>
          <legend>What happens to this user's voicemail</legend>
          {SWITCHES.map((s) => {
            const decision = saved.effective[s.key];
            const locked = lockedBecause(decision);
            const note = locked ?? dependsOn(decision);
            const id = `vm-${s.key}`;
            return (
              <div className="check" key={s.key}>
                <input
                  type="checkbox"
                  id={id}
                  // A switch the plan or the practice forbids is off whatever the user chose: shown off and locked, with the reason.
                  // The choice is kept, and counts again when the plan or the policy allows it.
                  checked={draft[s.key] && locked === null}
                  disabled={busy || locked !== null}
                  aria-describedby={`${id}-help`}
                  onChange={(e) => {
                    setStatus(null);
                    setDraft({ ...draft, [s.key]: e.target.checked });
                  }}
                />
                <label htmlFor={id}>{s.label}</label>
                <p id={`${id}-help`} className="help">
                  {s.help}
                  {note && <span className={locked ? 'why-locked' : 'why-inert'}> {note}</span>}
                </p>
              </div>
            );
          })}
        </fieldset>
        {warnings.length > 0 && (
          <div className="notice warning" role="alert">
            <h3>Protected health information leaves the server</h3>
            <ul>
              {warnings.map((w) => (
                <li key={w.code}>{w.message}</li>
              ))}
            </ul>
          </div>
        )}
        {error && (
          <p className="notice error" role="alert" tabIndex={-1} ref={errorLine}>
            {error}
          </p>
        )}
        <div className="actions">
          <button type="submit" disabled={changed.length === 0} aria-disabled={busy}>
            {busy ? 'Saving…' : 'Save'}
          </button>
          <p role="status" className="status" tabIndex={-1} ref={statusLine}>
            {status ?? (changed.length > 0 ? 'Unsaved changes.' : '')}
          </p>
        </div>
      </form>
    </div>
  );
}
