// Account security notices (issue 5): a new sign-in, MFA changes, a
// password change, a lockout. They go to the staff member whose account it
// is, carry no PHI, and never carry a secret (no reset token, no code): the
// action they ask for happens in the portal after signing in.
import { isIP } from 'node:net';
import type { RenderedMail } from '../mail.ts';
import { accountSecurityLink } from '../portal-links.ts';
import { formatWhen } from './format.ts';
import { escapeHtml, htmlButton, htmlDocument, singleLine } from './html.ts';

export const SECURITY_EVENTS = [
  'new_sign_in',
  'mfa_enabled',
  'mfa_reset',
  'recovery_codes_regenerated',
  'password_changed',
  'account_locked',
  'email_changed',
  'api_token_created',
] as const;
export type SecurityEvent = (typeof SECURITY_EVENTS)[number];

export function isSecurityEvent(value: unknown): value is SecurityEvent {
  return typeof value === 'string' && (SECURITY_EVENTS as readonly string[]).includes(value);
}

export interface SecurityNoticeInput {
  practiceName: string;
  event: SecurityEvent;
  occurredAt: Date;
  /** The portal's base URL (SOTTO_PUBLIC_URL). */
  portalUrl: string;
  timeZone?: string;
  /** Where the action came from, when known. Shown to the account's owner so they can recognise it. */
  context?: { ipAddress?: string; userAgent?: string };
}

/** What each event says: subject line and the sentence that opens the mail. */
const WORDING: Record<SecurityEvent, { subject: string; what: string }> = {
  new_sign_in: { subject: 'New sign-in to your Sotto account', what: 'Your Sotto account was signed in to from a new device or browser.' },
  mfa_enabled: { subject: 'Two-step sign-in turned on', what: 'Two-step sign-in (an authenticator app code) was turned on for your Sotto account.' },
  mfa_reset: { subject: 'Two-step sign-in was reset', what: 'Two-step sign-in for your Sotto account was reset. You will set up your authenticator app again at your next sign-in.' },
  recovery_codes_regenerated: { subject: 'New recovery codes created', what: 'New recovery codes were created for your Sotto account; the old ones no longer work.' },
  password_changed: { subject: 'Your Sotto password was changed', what: 'The password of your Sotto account was changed.' },
  account_locked: { subject: 'Your Sotto account was locked', what: 'Your Sotto account was locked for a while after repeated failed sign-in attempts.' },
  email_changed: { subject: 'Your Sotto email address was changed', what: 'The email address of your Sotto account was changed. This notice goes to the previous address.' },
  api_token_created: { subject: 'New API token on your Sotto account', what: 'A new API token was created on your Sotto account.' },
};

export function renderSecurityNotice(input: SecurityNoticeInput): RenderedMail {
  const wording = WORDING[input.event];
  if (wording === undefined) throw new Error('renderSecurityNotice: unknown event');
  const practice = singleLine(input.practiceName, 120) || 'your practice';
  const when = formatWhen(input.occurredAt, input.timeZone);
  const link = accountSecurityLink(input.portalUrl);
  // The address is shown only if it is one; the browser string is someone
  // else's text, so it is flattened, cut short and escaped like any other.
  const ip = input.context?.ipAddress !== undefined && isIP(input.context.ipAddress) !== 0 ? input.context.ipAddress : undefined;
  const agent = input.context?.userAgent !== undefined ? singleLine(input.context.userAgent, 160) || undefined : undefined;
  const advice = 'If this was you, there is nothing to do. If it was not, sign in to the portal, change your password and tell your practice administrator right away.';
  const footer = `Sent by Sotto for ${practice}. Sotto never asks for your password or codes by email.`;

  const text = [
    wording.what,
    '',
    `When: ${when}`,
    ...(ip !== undefined ? [`From address: ${ip}`] : []),
    ...(agent !== undefined ? [`Browser or app: ${agent}`] : []),
    '',
    advice,
    '',
    'Review your account security (sign-in required):',
    link,
    '',
    '-- ',
    footer,
    '',
  ].join('\n');

  const details = [`When: ${escapeHtml(when)}`];
  if (ip !== undefined) details.push(`From address: ${escapeHtml(ip)}`);
  if (agent !== undefined) details.push(`Browser or app: ${escapeHtml(agent)}`);
  const body = [
    `<p>${escapeHtml(wording.what)}</p>`,
    `<p>${details.join('<br>')}</p>`,
    `<p>${escapeHtml(advice)}</p>`,
    htmlButton(link, 'Review account security'),
  ].join('\n');

  return {
    kind: 'security',
    subject: wording.subject,
    text,
    html: htmlDocument({ title: wording.subject, bodyHtml: body, footer }),
    attachments: [],
    phi: { audio: false, transcript: false },
  };
}
