// A new voicemail box's PIN, shown once (the server keeps only a hash): after
// "Add user" with an extension, or a first extension given on the Profile tab.
import { useEffect, useRef } from 'react';

export function VoicemailPinOnce({ name, extension, pin, added, onDone }: { name: string; extension: string | null; pin: string; added: boolean; onDone: () => void }) {
  const heading = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    heading.current?.focus();
  }, []);
  return (
    <section className="credentials" aria-labelledby="voicemail-pin-heading">
      <h3 id="voicemail-pin-heading" ref={heading} tabIndex={-1}>
        {added ? `${name} was added. ` : ''}Voicemail PIN{extension ? ` for extension ${extension}` : ''}
      </h3>
      <p className="once">
        <strong>Give it to {name} now: it will not be shown again.</strong> Sotto keeps only a one-way hash of it. They use it to hear their voicemail from a phone
        (dial *97).
      </p>
      <p>
        <code className="wrap" aria-label="Voicemail PIN">
          {pin}
        </code>
      </p>
      {added && <p className="help">{name} has no portal password yet: give them one under Portal sign-in below. Add their phones on the Devices tab.</p>}
      <div className="actions">
        <button type="button" onClick={onDone}>
          Done, I have passed it on
        </button>
      </div>
    </section>
  );
}
