// The Devices tab: a user's desk phones, softphones and ATAs. Adding one shows
// its SIP password exactly once (the server keeps only digest hashes), with
// what to type into the phone; leaving the tab or pressing "Done" forgets it.
// Disabling a device ends its registrations at once, after a confirmation.
// Each device says whether it is registered right now (the registrar's
// bindings); "Check again" reads them anew, e.g. after restarting a phone.
import { useEffect, useRef, useState, type FormEvent, type RefObject } from 'react';
import { api, ApiError, describeError, type CreatedDevice, type DeviceKind, type DeviceView } from '../api.ts';
import { DEVICE_KIND_LABELS, registrationSettings, registrationText } from '../device-registration.ts';
import { problemAttributes, refusedField } from '../field-errors.ts';
import { useFocusAfterRender } from '../focus-after.ts';
import { Notices } from '../notices.tsx';
import { DeviceRegistrationCell } from './device-registration-cell.tsx';

const KINDS = Object.keys(DEVICE_KIND_LABELS) as DeviceKind[];

type DeviceField = 'label' | 'sipUsername';

/** The words for a field the API refused, said as the person at the form needs them (the API's own are for developers). */
function fieldProblem(field: DeviceField, code: string): string {
  if (field === 'sipUsername') {
    return code === 'SIP_USERNAME_TAKEN'
      ? 'Another device already uses this SIP username. Choose another, or leave it empty to use the extension number.'
      : 'Use letters, digits, dots, dashes and underscores (up to 64), starting with a letter or digit.';
  }
  return 'Write the label as one line of plain text (up to 80 characters), without control characters or text-direction marks.';
}

/** `active`: a disabled user can have no device added (the server refuses it). */
export function DevicesTab({ userId, hasExtension, active = true }: { userId: string; hasExtension: boolean; active?: boolean }) {
  const [devices, setDevices] = useState<DeviceView[] | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [status, setStatus] = useState<string | null>(null);
  const [created, setCreated] = useState<CreatedDevice | null>(null);
  const [confirming, setConfirming] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);
  const [kind, setKind] = useState<DeviceKind>('desk_phone');
  const [label, setLabel] = useState('');
  const [sipUsername, setSipUsername] = useState('');
  const [problems, setProblems] = useState<Partial<Record<DeviceField, string>>>({});
  const errorLine = useRef<HTMLParagraphElement>(null);
  const focusAfterRender = useFocusAfterRender();
  const credentialsHeading = useRef<HTMLHeadingElement>(null);
  const addHeading = useRef<HTMLHeadingElement>(null);
  const path = `/users/${encodeURIComponent(userId)}/devices`;

  useEffect(() => {
    api<{ items: DeviceView[] }>('GET', path)
      .then((r) => setDevices(r.items))
      .catch((e: unknown) => setError(describeError(e)));
  }, [path]);

  async function checkAgain() {
    setError(null);
    setStatus(null);
    try {
      const r = await api<{ items: DeviceView[] }>('GET', path);
      setDevices(r.items);
      const registered = r.items.filter((d) => d.registration?.registered).length;
      setStatus(`Checked at ${new Date().toLocaleTimeString()}: ${registered} of ${r.items.length} ${r.items.length === 1 ? 'device' : 'devices'} registered.`);
    } catch (err) {
      setError(describeError(err));
      focusAfterRender(() => errorLine.current);
    }
  }

  useEffect(() => {
    if (created) credentialsHeading.current?.focus();
  }, [created]);

  async function add(e: FormEvent) {
    e.preventDefault();
    if (busy || !hasExtension || !active || created !== null) return;
    setBusy(true);
    setError(null);
    setStatus(null);
    setProblems({});
    try {
      const body = { kind, ...(label.trim() ? { label: label.trim() } : {}), ...(sipUsername.trim() ? { sipUsername: sipUsername.trim() } : {}) };
      const r = await api<CreatedDevice>('POST', path, body);
      setDevices((list) => [...(list ?? []), r.device]);
      setCreated(r);
      setLabel('');
      setSipUsername('');
    } catch (err) {
      const field = refusedField(err);
      if (field === 'label' || field === 'sipUsername') {
        setProblems({ [field]: fieldProblem(field, err instanceof ApiError ? err.code : '') });
        focusAfterRender(() => document.getElementById(field === 'label' ? 'device-label' : 'device-username'));
      } else {
        setError(describeError(err));
        focusAfterRender(() => errorLine.current);
      }
    } finally {
      setBusy(false);
    }
  }

  async function disable(device: DeviceView) {
    setBusy(true);
    setError(null);
    try {
      const d = await api<DeviceView>('DELETE', `/devices/${encodeURIComponent(device.id)}`);
      setDevices((list) => (list ?? []).map((x) => (x.id === d.id ? d : x)));
      setStatus(`${d.label} is disabled: it can no longer register or call.`);
      setConfirming(null);
      // The confirm buttons are gone; keep the keyboard on the same row.
      document.getElementById(`device-${d.id}`)?.focus();
    } catch (err) {
      setError(describeError(err));
      focusAfterRender(() => errorLine.current);
    } finally {
      setBusy(false);
    }
  }

  /** The confirmation closes: the keyboard returns to the row's Disable button that opened it. */
  function keep(device: DeviceView) {
    setConfirming(null);
    focusAfterRender(() => document.getElementById(`device-disable-${device.id}`));
  }

  function done() {
    setCreated(null);
    setStatus('The password is no longer shown anywhere. Add a new device if it was lost.');
    addHeading.current?.focus();
  }

  return (
    <>
      <h2 id="tab-heading">Devices</h2>
      <Notices error={error} status={status} errorRef={errorLine} />
      {created && <Credentials created={created} headingRef={credentialsHeading} onDone={done} />}
      {devices === null && !error && <p>Loading devices…</p>}
      {devices && devices.length === 0 && <p>No devices yet. Add the user's desk phone, softphone or analog adapter below.</p>}
      {devices && devices.length > 0 && (
        <div className="table-wrap">
          <table>
            <caption>Phones that register as this user's extension.</caption>
            <thead>
              <tr>
                <th scope="col">Label</th>
                <th scope="col">Kind</th>
                <th scope="col">SIP username</th>
                <th scope="col">Status</th>
                <th scope="col">Registration</th>
                <th scope="col">
                  <span className="visually-hidden">Actions</span>
                </th>
              </tr>
            </thead>
            <tbody>
              {devices.map((d) => (
                <tr key={d.id}>
                  <th scope="row" id={`device-${d.id}`} tabIndex={-1}>
                    {d.label}
                  </th>
                  <td>{DEVICE_KIND_LABELS[d.kind]}</td>
                  <td>
                    <code>{d.sipUsername}</code>
                  </td>
                  <td>
                    <span className={`badge ${d.status === 'active' ? 'ok' : 'muted'}`}>{d.status === 'active' ? 'Active' : 'Disabled'}</span>
                  </td>
                  <td>
                    <DeviceRegistrationCell registration={d.registration} />
                  </td>
                  <td>
                    {d.status === 'active' &&
                      (confirming === d.id ? (
                        <div className="actions tight" role="group" aria-label={`Confirm disabling ${d.label}`}>
                          <button type="button" className="danger" disabled={busy} onClick={() => void disable(d)} autoFocus>
                            Yes, disable
                          </button>
                          <button type="button" className="secondary" disabled={busy} onClick={() => keep(d)}>
                            Cancel
                          </button>
                        </div>
                      ) : (
                        <button type="button" className="secondary" id={`device-disable-${d.id}`} aria-label={`Disable ${d.label}`} onClick={() => setConfirming(d.id)}>
                          Disable
                        </button>
                      ))}
                  </td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {devices && devices.length > 0 && (
        <p>
          <button type="button" className="secondary" onClick={() => void checkAgain()}>
            Check registrations again
          </button>
        </p>
      )}
      <form onSubmit={add} aria-labelledby="add-device-heading" className="add-device">
        <h3 id="add-device-heading" ref={addHeading} tabIndex={-1}>
          Add a device
        </h3>
        {!active ? (
          <p className="notice">This user is disabled: a disabled user cannot have a device added.</p>
        ) : (
          !hasExtension && <p className="notice">This user has no extension yet; give them one before adding a device.</p>
        )}
        <div className="field-row">
          <div className="field">
            <label htmlFor="device-kind">Kind</label>
            <select id="device-kind" value={kind} onChange={(e) => setKind(e.target.value as DeviceKind)}>
              {KINDS.map((k) => (
                <option key={k} value={k}>
                  {DEVICE_KIND_LABELS[k]}
                </option>
              ))}
            </select>
          </div>
          <div className="field">
            <label htmlFor="device-label">Label</label>
            <input
              id="device-label"
              value={label}
              maxLength={80}
              onChange={(e) => {
                setLabel(e.target.value);
                setProblems({ ...problems, label: undefined });
              }}
              {...problemAttributes('device-label', problems.label, 'device-label-help')}
            />
            {problems.label && (
              <p id="device-label-problem" className="field-problem">
                {problems.label}
              </p>
            )}
            <p id="device-label-help" className="help">
              Where the phone is, e.g. "Front desk". Do not use patient names.
            </p>
          </div>
          <div className="field">
            <label htmlFor="device-username">SIP username</label>
            <input
              id="device-username"
              value={sipUsername}
              maxLength={64}
              pattern="[A-Za-z0-9][A-Za-z0-9._\-]{0,63}"
              onChange={(e) => {
                setSipUsername(e.target.value);
                setProblems({ ...problems, sipUsername: undefined });
              }}
              {...problemAttributes('device-username', problems.sipUsername, 'device-username-help')}
            />
            {problems.sipUsername && (
              <p id="device-username-problem" className="field-problem">
                {problems.sipUsername}
              </p>
            )}
            <p id="device-username-help" className="help">
              Optional. Leave empty for the extension number (a second phone gets "-2").
            </p>
          </div>
        </div>
        <button type="submit" disabled={!hasExtension || !active || created !== null} aria-disabled={busy}>
          {busy ? 'Adding…' : 'Add device'}
        </button>
      </form>
    </>
  );
}

function Credentials({ created, headingRef, onDone }: { created: CreatedDevice; headingRef: RefObject<HTMLHeadingElement | null>; onDone: () => void }) {
  const settings = registrationSettings(created.sip);
  const [copied, setCopied] = useState<string | null>(null);

  async function copy(what: string, text: string) {
    try {
      await navigator.clipboard.writeText(text);
      setCopied(`${what} copied.`);
    } catch {
      setCopied('The browser did not allow copying: select the text and copy it by hand.');
    }
  }

  return (
    <section className="credentials" aria-labelledby="credentials-heading">
      <h3 id="credentials-heading" ref={headingRef} tabIndex={-1}>
        SIP credentials for {created.device.label}
      </h3>
      <p className="once">
        <strong>Copy these now: the password will not be shown again.</strong> Sotto keeps only a one-way hash of it. If it is lost, disable this device and add a new one.
      </p>
      <dl className="facts">
        {settings.map((s) => (
          <div key={s.name} className="fact">
            <dt>{s.name}</dt>
            <dd>
              {s.prose ? (
                s.value
              ) : (
                <code className="wrap" aria-label={s.secret ? 'SIP password' : undefined}>
                  {s.value}
                </code>
              )}
              {s.secret && (
                <button type="button" className="secondary small" onClick={() => void copy('Password', s.value)}>
                  Copy password
                </button>
              )}
            </dd>
          </div>
        ))}
      </dl>
      <p className="help">
        On the phone, create a SIP account with these settings. Registration expiry 60–3600 seconds. Type the domain exactly as shown even when it is not a name on your network: it names the practice. Where the phone has an outbound proxy setting, give it the SIP server address too.
      </p>
      <div className="actions">
        <button type="button" className="secondary" onClick={() => void copy('All settings', registrationText(settings))}>
          Copy all settings
        </button>
        <button type="button" onClick={onDone}>
          Done, I have copied them
        </button>
        <p role="status" className="status">
          {copied}
        </p>
      </div>
    </section>
  );
}
