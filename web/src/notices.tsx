/**
 * A page's or section's outcome lines: an error (announced at once, role
 * alert) when there is one, and the status line (role status, always in the
 * page so screen readers hear what is written into it later).
 */
export function Notices({ error, status }: { error: string | null; status: string | null }) {
  return (
    <>
      {error && (
        <p className="notice error" role="alert">
          {error}
        </p>
      )}
      <p role="status" className="status">
        {status}
      </p>
    </>
  );
}
