// The voicemail inbox: the messages of the boxes the signed-in user may see.
// Audio is fetched with the session and played from a blob: URL that exists
// only in this tab (never a link that works without signing in); the server
// records every fetch as a play. Transcripts are marked as machine drafts.
// A message open to the user by break-glass alone is read-only to them (the
// API refuses marks and deletes): the page says so, with when the access
// ends, and offers neither. Providers and admins open such access at the
// foot of the page (break-glass-section.tsx).
import { useCallback, useEffect, useRef, useState } from 'react';
import { api, describeError, fetchAudio, type VoicemailItem } from '../api.ts';
import { PageHeading } from '../page-heading.tsx';
import { BreakGlassSection } from './break-glass-section.tsx';
import {
  afterDelete,
  formatDuration,
  inboxStateOf,
  inboxStateOfError,
  spokenDuration,
  transcriptCaption,
  unheardCount,
  withHeard,
  without,
  type InboxState,
} from '../voicemail-inbox.ts';

/** `openMessageId`: a message to open at once (the link in an email notice, /voicemails/<id>). */
export function VoicemailInboxPage({ openMessageId }: { openMessageId?: string | undefined } = {}) {
  const [inbox, setInbox] = useState<InboxState>({ kind: 'loading' });
  const [openId, setOpenId] = useState<string | null>(openMessageId ?? null);
  const [status, setStatus] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const focusAfter = useRef<string | null>(null);
  const heading = useRef<HTMLHeadingElement>(null);

  const load = useCallback(() => {
    api<{ items: VoicemailItem[] }>('GET', '/voicemails')
      .then((r) => setInbox(inboxStateOf(r)))
      .catch((e: unknown) => setInbox(inboxStateOfError(e, describeError)));
  }, []);
  useEffect(load, [load]);

  // After a delete, keyboard users land on the next message's button, not at the top of the page.
  useEffect(() => {
    const id = focusAfter.current;
    if (id === null) return;
    focusAfter.current = null;
    (document.getElementById(`vm-open-${id}`) ?? heading.current)?.focus();
  }, [inbox]);

  const items = inbox.kind === 'ready' ? inbox.items : [];
  const open = items.find((v) => v.id === openId) ?? null;
  const byBreakGlass = breakGlassBoxes(items);

  const markHeard = useCallback(async (v: VoicemailItem) => {
    setError(null);
    try {
      await api('PATCH', `/voicemails/${encodeURIComponent(v.id)}`, { heard: true });
      setInbox((s) => (s.kind === 'ready' ? { kind: 'ready', items: withHeard(s.items, v.id) } : s));
      setStatus('Marked as heard.');
    } catch (e) {
      setError(describeError(e));
    }
  }, []);

  const remove = useCallback(async (v: VoicemailItem) => {
    setError(null);
    try {
      await api('DELETE', `/voicemails/${encodeURIComponent(v.id)}`);
      setInbox((s) => {
        if (s.kind !== 'ready') return s;
        focusAfter.current = afterDelete(s.items, v.id) ?? '';
        return { kind: 'ready', items: without(s.items, v.id) };
      });
      setOpenId(null);
      setStatus('Voicemail deleted.');
    } catch (e) {
      setError(describeError(e));
    }
  }, []);

  return (
    <>
      <PageHeading>Voicemail inbox</PageHeading>
      <h2 className="visually-hidden" ref={heading} tabIndex={-1}>
        Messages
      </h2>
      <p role="status" className="status">
        {status}
      </p>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      {inbox.kind === 'loading' && <p>Loading voicemail…</p>}
      {inbox.kind === 'ready' && openMessageId !== undefined && openId === openMessageId && open === null && (
        <p className="notice" role="alert">
          That voicemail is not in your inbox: it was deleted, or it is in a box you may not see.
        </p>
      )}
      {inbox.kind === 'failed' && (
        <p className="notice error" role="alert">
          {inbox.message}
        </p>
      )}
      {inbox.kind === 'unavailable' && (
        <div className="empty-state">
          <p>
            <strong>No voicemail to show.</strong>
          </p>
          <p className="help">This server does not offer the voicemail inbox yet. Messages left meanwhile are kept, sealed, and appear here once it does.</p>
        </div>
      )}
      {inbox.kind === 'ready' && items.length === 0 && (
        <div className="empty-state">
          <p>
            <strong>No voicemail.</strong> New messages for the boxes you may see appear here.
          </p>
        </div>
      )}
      {inbox.kind === 'ready' && items.length > 0 && (
        <>
          <p>
            {items.length} message{items.length === 1 ? '' : 's'}, {unheardCount(items)} new.
          </p>
          {byBreakGlass.length > 0 && (
            <div className="notice warning" role="note" aria-labelledby="break-glass-heading">
              <h3 id="break-glass-heading">Break-glass access: read only</h3>
              <p>
                You may listen to these boxes' messages for an emergency, not mark them heard or delete them. Every play is recorded in the audit log and shown to
                the practice's admins.
              </p>
              <ul>
                {byBreakGlass.map((b) => (
                  <li key={b.extension}>
                    Extension {b.extension}: until <BreakGlassEnd until={b.until} />
                  </li>
                ))}
              </ul>
            </div>
          )}
          <div className="table-wrap">
            <table>
              <caption>Newest first. Opening a message plays it from this server; every play is recorded in the audit log.</caption>
              <thead>
                <tr>
                  <th scope="col">Received</th>
                  <th scope="col">Extension</th>
                  <th scope="col">Length</th>
                  <th scope="col">Status</th>
                  <th scope="col">
                    <span className="visually-hidden">Open</span>
                  </th>
                </tr>
              </thead>
              <tbody>
                {items.map((v) => {
                  const when = new Date(v.receivedAt).toLocaleString();
                  return (
                    <tr key={v.id} aria-current={v.id === openId ? 'true' : undefined} className={v.heard ? undefined : 'unheard'}>
                      <th scope="row">
                        <time dateTime={v.receivedAt}>{when}</time>
                      </th>
                      <td>{v.extension}</td>
                      <td>
                        <span aria-label={spokenDuration(v.durationMs)}>{formatDuration(v.durationMs)}</span>
                      </td>
                      <td>
                        <span className={`badge ${v.heard ? 'muted' : 'attention'}`}>{v.heard ? 'Heard' : 'New'}</span>
                        {v.partial && <span className="badge muted">Cut short</span>}
                        {v.breakGlassUntil && <span className="badge attention">Break-glass, read only</span>}
                      </td>
                      <td>
                        <button type="button" id={`vm-open-${v.id}`} className="secondary" aria-label={`Open voicemail for ${v.extension} received ${when}`} onClick={() => setOpenId(v.id)}>
                          Open
                        </button>
                      </td>
                    </tr>
                  );
                })}
              </tbody>
            </table>
          </div>
        </>
      )}
      {open && (
        <VoicemailMessage
          key={open.id}
          message={open}
          onHeard={markHeard}
          onDelete={remove}
          onClose={() => {
            setOpenId(null);
            document.getElementById(`vm-open-${open.id}`)?.focus();
          }}
        />
      )}
      {inbox.kind === 'ready' && <BreakGlassSection onOpened={load} />}
    </>
  );
}

/** The boxes listed by break-glass alone, each with the time its access ends (the latest, when several grants cover it). */
function breakGlassBoxes(items: readonly VoicemailItem[]): Array<{ extension: string; until: string }> {
  const until = new Map<string, string>();
  for (const v of items) {
    if (!v.breakGlassUntil) continue;
    const known = until.get(v.extension);
    if (known === undefined || Date.parse(v.breakGlassUntil) > Date.parse(known)) until.set(v.extension, v.breakGlassUntil);
  }
  return [...until].map(([extension, end]) => ({ extension, until: end }));
}

function BreakGlassEnd({ until }: { until: string }) {
  return <time dateTime={until}>{new Date(until).toLocaleString()}</time>;
}

function VoicemailMessage({
  message,
  onHeard,
  onDelete,
  onClose,
}: {
  message: VoicemailItem;
  onHeard: (v: VoicemailItem) => Promise<void>;
  onDelete: (v: VoicemailItem) => Promise<void>;
  onClose: () => void;
}) {
  const [audioUrl, setAudioUrl] = useState<string | null>(null);
  const [audioError, setAudioError] = useState<string | null>(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  const heading = useRef<HTMLHeadingElement>(null);
  const when = new Date(message.receivedAt).toLocaleString();
  const readOnly = message.breakGlassUntil ?? null;

  useEffect(() => {
    heading.current?.focus();
  }, []);

  // One fetch per opened message; the blob: URL is revoked when the message closes, so the audio does not linger.
  useEffect(() => {
    let url: string | null = null;
    let live = true;
    fetchAudio(`/voicemails/${encodeURIComponent(message.id)}/audio`)
      .then((u) => {
        url = u;
        if (live) setAudioUrl(u);
        else URL.revokeObjectURL(u);
      })
      .catch((e: unknown) => live && setAudioError(describeError(e)));
    return () => {
      live = false;
      if (url) URL.revokeObjectURL(url);
    };
  }, [message.id]);

  async function run(action: (v: VoicemailItem) => Promise<void>) {
    setBusy(true);
    try {
      await action(message);
    } finally {
      setBusy(false);
    }
  }

  return (
    <section className="panel voicemail-message" aria-labelledby="vm-message-heading">
      <h2 id="vm-message-heading" ref={heading} tabIndex={-1}>
        Voicemail for {message.extension}, {when}
      </h2>
      {message.partial && <p className="notice">The caller's message was cut short (the recording ended early). What was recorded is kept.</p>}
      {readOnly !== null && (
        <p className="notice warning">
          <strong>Break-glass access, read only.</strong> This message is not in your boxes: you may listen to it until <BreakGlassEnd until={readOnly} />, not mark it heard or
          delete it.
        </p>
      )}
      {audioError ? (
        <p className="notice error" role="alert">
          The recording could not be loaded: {audioError}
        </p>
      ) : audioUrl ? (
        <audio
          controls
          preload="auto"
          src={audioUrl}
          aria-label={`Recording, ${spokenDuration(message.durationMs)}`}
          // Played to the end is heard, as on the phone: the lamp goes out without a second click. Not on break-glass: the box is not the reader's to change.
          onEnded={() => {
            if (!message.heard && !busy && readOnly === null) void run(onHeard);
          }}
        />
      ) : (
        <p>Loading the recording…</p>
      )}
      <h3>Transcript</h3>
      {message.transcript ? (
        <figure className="transcript">
          <blockquote>{message.transcript.text}</blockquote>
          <figcaption>
            <span className="badge attention">Machine draft</span> {transcriptCaption(message.transcript)}
          </figcaption>
        </figure>
      ) : (
        <p className="muted">No transcript for this message.</p>
      )}
      <div className="actions">
        {!message.heard && readOnly === null && (
          <button type="button" disabled={busy} onClick={() => void run(onHeard)}>
            Mark as heard
          </button>
        )}
        {readOnly !== null ? null : confirming ? (
          <div className="actions tight" role="group" aria-label="Confirm deleting this voicemail">
            <button type="button" className="danger" disabled={busy} autoFocus onClick={() => void run(onDelete)}>
              Yes, delete it for good
            </button>
            <button type="button" className="secondary" disabled={busy} onClick={() => setConfirming(false)}>
              Keep it
            </button>
          </div>
        ) : (
          <button type="button" className="secondary" onClick={() => setConfirming(true)}>
            Delete
          </button>
        )}
        <button type="button" className="secondary" onClick={onClose}>
          Close
        </button>
      </div>
    </section>
  );
}
