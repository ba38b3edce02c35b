// The voicemail email notice (issue 8, "Email notice"; DESIGN.md, HIPAA-safe
// defaults). By default it says only that a message is waiting, where, when
// and for how long, and links to the portal. It has no parameter for the
// caller's number or name at all, so no caller detail can reach it by
// accident; a recording and a transcript go in only when the policy
// decisions (src/policy, decideForUser) allow each one.
import type { Decision } from '../../policy/index.ts';
import type { MailAttachment, RenderedMail } from '../mail.ts';
import { voicemailLink } from '../portal-links.ts';
import { formatDuration, formatWhen } from './format.ts';
import { escapeHtml, htmlButton, htmlDocument, singleLine } from './html.ts';

/** The decisions this notice reads: the same keys as decideForUser's result. */
export interface VoicemailNoticeDecisions {
  voicemail_email_audio: Decision;
  voicemail_email_transcript: Decision;
}

export interface VoicemailNoticeInput {
  /** The practice's own name, shown in the footer. Not caller data. */
  practiceName: string;
  /** The box as staff know it, e.g. "Extension 101". Not caller data. */
  mailboxLabel: string;
  /** The portal's base URL (SOTTO_PUBLIC_URL). */
  portalUrl: string;
  /** The voicemail's id (a UUID); the only thing from the message the link carries. */
  messageId: string;
  receivedAt: Date;
  durationMs: number;
  /** IANA zone for the time shown (the practice's); UTC when absent. */
  timeZone?: string;
  decisions: VoicemailNoticeDecisions;
  /** The machine transcript. PHI: used only when the transcript decision is enabled. */
  transcript?: string;
  /** The recording as a WAV file. PHI: attached only when the audio decision is enabled. */
  audio?: Uint8Array;
  /**
   * Set by the notifier when the PHI this user asked for was left out because
   * the mail server would not encrypt the connection (see notifier.ts).
   */
  phiWithheldNoTls?: boolean;
}

/** The same notice with every PHI part switched off, saying why. */
export function withoutPhi(input: VoicemailNoticeInput): VoicemailNoticeInput {
  const off = { enabled: false, reason: 'policy' } as const;
  const { transcript: _t, audio: _a, ...rest } = input;
  return { ...rest, decisions: { voicemail_email_audio: off, voicemail_email_transcript: off }, phiWithheldNoTls: true };
}

export const VOICEMAIL_AUDIO_FILENAME = 'voicemail.wav';

/** The label a reader sees above a transcript: it is the recognizer's guess, not what was said. */
export const MACHINE_DRAFT_LABEL = 'Transcript (machine draft, not reviewed; may contain errors)';

function isWav(bytes: Uint8Array): boolean {
  const ascii = (from: number, to: number) => Buffer.from(bytes.subarray(from, to)).toString('latin1');
  return bytes.length >= 12 && ascii(0, 4) === 'RIFF' && ascii(8, 12) === 'WAVE';
}

export function renderVoicemailNotice(input: VoicemailNoticeInput): RenderedMail {
  const mailbox = singleLine(input.mailboxLabel, 80) || 'your mailbox';
  const practice = singleLine(input.practiceName, 120) || 'your practice';
  const link = voicemailLink(input.portalUrl, input.messageId);
  const when = formatWhen(input.receivedAt, input.timeZone);
  const length = formatDuration(input.durationMs);

  const transcriptAllowed = input.decisions.voicemail_email_transcript.enabled;
  const transcript = transcriptAllowed && input.transcript !== undefined && input.transcript.trim() !== '' ? input.transcript.trim() : undefined;
  const audioAllowed = input.decisions.voicemail_email_audio.enabled;
  const attachments: MailAttachment[] = [];
  if (audioAllowed && input.audio !== undefined) {
    // A caller bug, not a peer's bytes: refuse to mail something that is not the recording.
    if (!isWav(input.audio)) throw new Error('renderVoicemailNotice: audio must be a RIFF/WAVE file');
    attachments.push({ filename: VOICEMAIL_AUDIO_FILENAME, contentType: 'audio/wav', content: Buffer.from(input.audio) });
  }
  const phi = { audio: attachments.length > 0, transcript: transcript !== undefined };

  // The subject is built from the mailbox label alone: it shows in inbox
  // lists, lock screens and server logs.
  const subject = `New voicemail for ${mailbox}`;
  const footer = phi.audio || phi.transcript
    ? `Sent by Sotto for ${practice}. Your administrator chose to include the ${[phi.audio && 'recording', phi.transcript && 'transcript'].filter(Boolean).join(' and ')} in this email: treat it as confidential and delete it when you are done.`
    : `Sent by Sotto for ${practice}. For privacy, this email does not say who called or what they said; the message is in the portal.`;
  const transcriptPending = transcriptAllowed && transcript === undefined;
  const withheld = input.phiWithheldNoTls === true
    ? 'The recording and transcript were left out of this email because the mail server would not encrypt the connection. They are in the portal.'
    : undefined;

  const text = [
    `A new voicemail is waiting in ${mailbox}.`,
    '',
    `Received: ${when}`,
    `Length: ${length}`,
    '',
    'Listen in the portal (sign-in required):',
    link,
    ...(transcript !== undefined ? ['', `${MACHINE_DRAFT_LABEL}:`, transcript] : []),
    ...(transcriptPending ? ['', 'The transcript is not ready yet; it will appear in the portal.'] : []),
    ...(phi.audio ? ['', `The recording is attached (${VOICEMAIL_AUDIO_FILENAME}).`] : []),
    ...(withheld !== undefined ? ['', withheld] : []),
    '',
    '-- ',
    footer,
    '',
  ].join('\n');

  const body = [
    `<p>A new voicemail is waiting in <strong>${escapeHtml(mailbox)}</strong>.</p>`,
    `<p>Received: ${escapeHtml(when)}<br>Length: ${escapeHtml(length)}</p>`,
    htmlButton(link, 'Listen in the portal'),
    `<p style="font-size: 0.85em; color: #666;">Sign-in required. Link: ${escapeHtml(link)}</p>`,
  ];
  if (transcript !== undefined) {
    body.push(
      `<p style="margin-bottom: 0.25em;"><strong>${escapeHtml(MACHINE_DRAFT_LABEL)}</strong></p>`,
      `<blockquote style="margin: 0; padding: 0.5em 1em; border-left: 3px solid #c90; background: #fffbe6; white-space: pre-wrap;">${escapeHtml(transcript)}</blockquote>`,
    );
  }
  if (transcriptPending) body.push('<p>The transcript is not ready yet; it will appear in the portal.</p>');
  if (phi.audio) body.push(`<p>The recording is attached (${escapeHtml(VOICEMAIL_AUDIO_FILENAME)}).</p>`);
  if (withheld !== undefined) body.push(`<p>${escapeHtml(withheld)}</p>`);

  return {
    kind: 'voicemail',
    subject,
    text,
    html: htmlDocument({ title: subject, bodyHtml: body.join('\n'), footer }),
    attachments,
    phi,
  };
}
