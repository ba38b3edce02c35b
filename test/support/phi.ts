// Checks that a caller's number or a patient's details are absent must not
// trip on digits that happen to sit inside a random identifier (a message id
// "…d649f101ba8f" holds "101"). This blanks the identifiers first.

const UUID = /[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}/gi;
/** Runs of hex as random ids, MIME boundaries and nonces write them. */
const HEX_RUN = /[0-9a-f]{12,}/gi;

/** `text` with every UUID and long hex run replaced by `<id>`. */
export function withoutIds(text: string): string {
  return text.replace(UUID, '<id>').replace(HEX_RUN, '<id>');
}
