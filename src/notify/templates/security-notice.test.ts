import { describe, expect, it } from 'vitest';
import { SECURITY_EVENTS, renderSecurityNotice } from './security-notice.ts';

const base = { practiceName: 'Maple Street Dental', occurredAt: new Date(Date.UTC(2026, 0, 5, 20, 4)), portalUrl: 'https://pbx.clinic.example/' };

describe('renderSecurityNotice', () => {
  it.each(SECURITY_EVENTS)('%s: a subject, a link to account security, no attachment', (event) => {
    const mail = renderSecurityNotice({ ...base, event });
    expect(mail.subject.length).toBeGreaterThan(10);
    expect(mail.text).toContain('https://pbx.clinic.example/account/security');
    expect(mail.text).toContain('When: Jan 5, 2026, 8:04 PM UTC');
    expect(mail.attachments).toEqual([]);
    expect(mail.phi).toEqual({ audio: false, transcript: false });
  });

  it('shows a real IP address and a flattened, escaped browser string', () => {
    const mail = renderSecurityNotice({ ...base, event: 'new_sign_in', context: { ipAddress: '203.0.113.7', userAgent: 'Evil <script>\r\nX-Injected: 1' } });
    expect(mail.text).toContain('From address: 203.0.113.7');
    expect(mail.text).toContain('Browser or app: Evil <script> X-Injected: 1');
    expect(mail.html).toContain('Evil &lt;script&gt; X-Injected: 1');
    expect(mail.html).not.toContain('<script>');
  });

  it('drops an "address" that is not an IP address', () => {
    const mail = renderSecurityNotice({ ...base, event: 'new_sign_in', context: { ipAddress: '<b>not an ip</b>' } });
    expect(mail.text).not.toContain('From address');
  });
});
