// Whether a phone is registered right now, the first thing to check when a
// phone says "No Service": how (transport), which phone software, until
// when, and (for admins) where it registered from.
import type { DeviceRegistrationView } from '../api.ts';

/** `registration`: undefined for a device just added or disabled here (it holds no registration); null when SIP is not running. */
export function DeviceRegistrationCell({ registration }: { registration: DeviceRegistrationView | null | undefined }) {
  if (registration === null) return <span className="muted">Unknown: SIP is not running on the server</span>;
  if (!registration?.registered) return <span className="badge muted">Not registered</span>;
  return (
    <>
      <span className="badge ok">Registered</span>
      <ul className="registrations">
        {registration.contacts.map((c, i) => (
          <li key={i}>
            {c.transport}
            {c.userAgent && <>, {c.userAgent}</>}
            {c.address && (
              <>
                , from <code>{c.address}</code>
              </>
            )}
            , until <time dateTime={c.expiresAt}>{new Date(c.expiresAt).toLocaleTimeString()}</time>
          </li>
        ))}
      </ul>
    </>
  );
}
