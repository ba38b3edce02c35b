// What a template produces and the mailer sends. A rendered mail lives in
// memory only: it may hold PHI (a transcript, a recording), so it is never
// stored, queued or logged. The outbox keeps what to render instead.

export type NoticeKind = 'voicemail' | 'security';

export interface MailAttachment {
  /** A fixed, content-free name such as "voicemail.wav": file names travel in clear in MIME headers. */
  filename: string;
  contentType: string;
  content: Buffer;
}

export interface RenderedMail {
  kind: NoticeKind;
  /** Never carries PHI, whatever the inputs (see the templates). */
  subject: string;
  text: string;
  html: string;
  attachments: MailAttachment[];
  /**
   * Which PHI the body or attachments carry. Any true here makes the mailer
   * insist on TLS (the attachments alone already do: see `carriesPhi`).
   */
  phi: { audio: boolean; transcript: boolean };
}

/**
 * True when the mail may only travel over TLS. Any attachment counts, even
 * one a template forgot to flag: the rule errs on the side of refusing.
 */
export function carriesPhi(mail: RenderedMail): boolean {
  return mail.phi.audio || mail.phi.transcript || mail.attachments.length > 0;
}
