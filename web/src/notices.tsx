import type { Ref } from 'react';

/**
 * A page's or section's outcome lines: an error (announced at once, role
 * alert) when there is one, and the status line (role status, always in the
 * page so screen readers hear what is written into it later). Both can take
 * focus from script, for when the control that acted has gone.
 */
export function Notices({
  error,
  status,
  errorRef,
  statusRef,
}: {
  error: string | null;
  status: string | null;
  errorRef?: Ref<HTMLParagraphElement>;
  statusRef?: Ref<HTMLParagraphElement>;
}) {
  return (
    <>
      {error && (
        <p className="notice error" role="alert" tabIndex={-1} ref={errorRef}>
          {error}
        </p>
      )}
      <p role="status" className="status" tabIndex={-1} ref={statusRef}>
        {status}
      </p>
    </>
  );
}
