// The message-summary body (RFC 3842 5.2), what a phone reads to light its
// message lamp:
//
//   Messages-Waiting: yes                      (msg-status-line)
//   Message-Account: sip:101@pbx.example       (msg-account, the box's address)
//   Voice-Message: 2/8 (0/0)                   (new/old, then urgent new/old)
//
// Sotto has no urgent flag on messages, so the urgent counts are always 0/0.
// Pure; the exact bytes are unit-tested.

export const MESSAGE_SUMMARY_CONTENT_TYPE = 'application/simple-message-summary';

/** The package's default subscription duration (RFC 3842), in seconds. */
export const MESSAGE_SUMMARY_DEFAULT_EXPIRES = 3600;

export interface MessageSummary {
  /** The mailbox's SIP address, e.g. `sip:101@pbx.example` (no PHI: an extension number and our domain). */
  readonly account: string;
  readonly newMessages: number;
  readonly oldMessages: number;
}

export function formatMessageSummary(s: MessageSummary): Buffer {
  const count = (n: number): number => (Number.isSafeInteger(n) && n > 0 ? n : 0);
  const fresh = count(s.newMessages);
  const old = count(s.oldMessages);
  // RFC 3842 5.2: "yes" when there is at least one new message of any class.
  const lines = [`Messages-Waiting: ${fresh > 0 ? 'yes' : 'no'}`, `Message-Account: ${s.account}`, `Voice-Message: ${fresh}/${old} (0/0)`];
  return Buffer.from(lines.map((l) => `${l}\r\n`).join(''), 'utf8');
}

/** The box's address for Message-Account: its extension at the practice's SIP domain. */
export function mailboxAccount(extension: string, domain: string): string {
  return `sip:${extension}@${domain}`;
}
