import { describe, expect, it } from 'vitest';
import { SAFE_DEFAULT_POLICY, SAFE_DEFAULT_VOICEMAIL_SETTINGS, decideForUser } from '../../policy/index.ts';
import { carriesPhi } from '../mail.ts';
import { MACHINE_DRAFT_LABEL, renderVoicemailNotice, withoutPhi, type VoicemailNoticeInput } from './voicemail-notice.ts';

const ID = '0193a6f2-4c1d-7e2a-9b3f-2d4e6a8c0b1e';
const WAV = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVE', 'latin1'), Buffer.alloc(32)]);
const off = { enabled: false, reason: 'user' } as const;
const on = { enabled: true } as const;

function base(over: Partial<VoicemailNoticeInput> = {}): VoicemailNoticeInput {
  return {
    practiceName: 'Maple Street Dental',
    mailboxLabel: 'Extension 101',
    portalUrl: 'https://pbx.clinic.example',
    messageId: ID,
    receivedAt: new Date(Date.UTC(2026, 0, 5, 20, 4)),
    durationMs: 65_000,
    decisions: { voicemail_email_audio: off, voicemail_email_transcript: off },
    ...over,
  };
}

describe('renderVoicemailNotice', () => {
  it('renders the default notice exactly (golden text)', () => {
    const mail = renderVoicemailNotice(base());
    expect(mail.subject).toBe('New voicemail for Extension 101');
    expect(mail.text).toBe(
      [
        'A new voicemail is waiting in Extension 101.',
        '',
        'Received: Jan 5, 2026, 8:04 PM UTC',
        'Length: 1 minute 5 seconds',
        '',
        'Listen in the portal (sign-in required):',
        `https://pbx.clinic.example/voicemails/${ID}`,
        '',
        '-- ',
        'Sent by Sotto for Maple Street Dental. For privacy, this email does not say who called or what they said; the message is in the portal.',
        '',
      ].join('\n'),
    );
    expect(mail.attachments).toEqual([]);
    expect(mail.phi).toEqual({ audio: false, transcript: false });
    expect(carriesPhi(mail)).toBe(false);
  });

  it('with the safe default policy, transcript and audio handed in stay out', () => {
    const d = decideForUser('pro-plus', SAFE_DEFAULT_POLICY, { ...SAFE_DEFAULT_VOICEMAIL_SETTINGS, attachAudio: true, includeTranscript: true });
    const mail = renderVoicemailNotice(base({ decisions: d, transcript: 'call me about my biopsy', audio: WAV }));
    expect(mail.text + mail.html).not.toContain('biopsy');
    expect(mail.attachments).toEqual([]);
  });

  it('escapes HTML in every value someone else typed', () => {
    const mail = renderVoicemailNotice(
      base({
        practiceName: 'A&B <script>alert(1)</script>',
        mailboxLabel: 'Ext "101" <b>',
        decisions: { voicemail_email_audio: off, voicemail_email_transcript: on },
        transcript: '<img src=x onerror=alert(1)> & "quotes"',
      }),
    );
    expect(mail.html).not.toMatch(/<script|<img|<b>/);
    expect(mail.html).toContain('A&amp;B &lt;script&gt;alert(1)&lt;/script&gt;');
    expect(mail.html).toContain('Ext &quot;101&quot; &lt;b&gt;');
    expect(mail.html).toContain('&lt;img src=x onerror=alert(1)&gt; &amp; &quot;quotes&quot;');
  });

  it('keeps a label with line breaks on one subject line', () => {
    const mail = renderVoicemailNotice(base({ mailboxLabel: 'Front desk\r\nBcc: someone@evil.example' }));
    expect(mail.subject).toBe('New voicemail for Front desk Bcc: someone@evil.example');
    expect(mail.subject).not.toMatch(/[\r\n]/);
  });

  it('marks an allowed transcript as a machine draft and flags it as PHI', () => {
    const mail = renderVoicemailNotice(base({ decisions: { voicemail_email_audio: off, voicemail_email_transcript: on }, transcript: '  Please call back.  ' }));
    expect(mail.text).toContain(`${MACHINE_DRAFT_LABEL}:\nPlease call back.\n`);
    expect(mail.html).toContain(MACHINE_DRAFT_LABEL);
    expect(mail.phi).toEqual({ audio: false, transcript: true });
    expect(mail.text).toContain('include the transcript in this email: treat it as confidential');
  });

  it('says the transcript is not ready when allowed but missing', () => {
    const mail = renderVoicemailNotice(base({ decisions: { voicemail_email_audio: off, voicemail_email_transcript: on } }));
    expect(mail.text).toContain('The transcript is not ready yet');
    expect(mail.phi.transcript).toBe(false);
  });

  it('attaches the WAV only when allowed, under a fixed name', () => {
    const mail = renderVoicemailNotice(base({ decisions: { voicemail_email_audio: on, voicemail_email_transcript: off }, audio: WAV }));
    expect(mail.attachments).toEqual([{ filename: 'voicemail.wav', contentType: 'audio/wav', content: WAV }]);
    expect(carriesPhi(mail)).toBe(true);
  });

  it('refuses audio that is not a WAV file', () => {
    expect(() => renderVoicemailNotice(base({ decisions: { voicemail_email_audio: on, voicemail_email_transcript: off }, audio: Buffer.from('not audio at all') }))).toThrow(/RIFF/);
  });

  it('refuses a message id that is not an opaque UUID (nothing else may reach the link)', () => {
    expect(() => renderVoicemailNotice(base({ messageId: '5558675309' }))).toThrow(/UUID/);
    expect(() => renderVoicemailNotice(base({ portalUrl: 'https://pbx.example/?caller=5558675309' }))).toThrow(/query/);
  });

  it('withoutPhi drops transcript and audio and says why', () => {
    const full = base({ decisions: { voicemail_email_audio: on, voicemail_email_transcript: on }, transcript: 'biopsy', audio: WAV });
    const mail = renderVoicemailNotice(withoutPhi(full));
    expect(carriesPhi(mail)).toBe(false);
    expect(mail.text).not.toContain('biopsy');
    expect(mail.text).toContain('would not encrypt the connection');
  });

  it('shows the time in the practice time zone', () => {
    expect(renderVoicemailNotice(base({ timeZone: 'America/Los_Angeles' })).text).toContain('Received: Jan 5, 2026, 12:04 PM PST');
    expect(renderVoicemailNotice(base({ timeZone: 'Not/AZone' })).text).toContain('Received: Jan 5, 2026, 8:04 PM UTC');
  });
});
