import { describe, expect, it } from 'vitest';
import { formatMessageSummary, mailboxAccount } from './message-summary.ts';

describe('message-summary body (RFC 3842 5.2)', () => {
  it('lights the lamp for new messages', () => {
    expect(formatMessageSummary({ account: mailboxAccount('101', 'pbx.example'), newMessages: 2, oldMessages: 8 }).toString('latin1')).toBe(
      'Messages-Waiting: yes\r\nMessage-Account: sip:101@pbx.example\r\nVoice-Message: 2/8 (0/0)\r\n',
    );
  });

  it('says no when every message has been heard', () => {
    expect(formatMessageSummary({ account: 'sip:102@pbx.example', newMessages: 0, oldMessages: 3 }).toString('latin1')).toBe(
      'Messages-Waiting: no\r\nMessage-Account: sip:102@pbx.example\r\nVoice-Message: 0/3 (0/0)\r\n',
    );
  });

  it('never writes a negative or fractional count', () => {
    expect(formatMessageSummary({ account: 'sip:103@x', newMessages: -1, oldMessages: 1.5 }).toString('latin1')).toBe(
      'Messages-Waiting: no\r\nMessage-Account: sip:103@x\r\nVoice-Message: 0/0 (0/0)\r\n',
    );
  });
});
