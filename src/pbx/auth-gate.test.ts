import { describe, expect, it } from 'vitest';
import { AddressBackoff } from '../auth/index.ts';
import { parseMessage, type SipRequest, type SipResponse } from '../sip/message/index.ts';
import type { ServerTransaction } from '../sip/transaction/index.ts';
import type { MessageSource } from '../sip/transport/index.ts';
import { AuthGate } from './auth-gate.ts';
import type { CallerAuthOutcome } from './calls/caller-auth.ts';

const SUBSCRIBE = parseMessage(
  Buffer.from(
    [
      'SUBSCRIBE sip:101@pbx.example SIP/2.0',
      'Via: SIP/2.0/UDP 192.0.2.7:5060;branch=z9hG4bKgate',
      'From: <sip:101@pbx.example>;tag=a1',
      'To: <sip:101@pbx.example>',
      'Call-ID: gate-1',
      'CSeq: 1 SUBSCRIBE',
      'Event: message-summary',
      'Content-Length: 0',
      '',
      '',
    ].join('\r\n'),
  ),
);
if (!SUBSCRIBE.ok || SUBSCRIBE.value.kind !== 'request') throw new Error('fixture');
const request: SipRequest = SUBSCRIBE.value;
const source: MessageSource = { protocol: 'UDP', address: '192.0.2.7', port: 5060, local: { address: '192.0.2.1', port: 5060 } };

const refusal = (code: string, countsAsFailure: boolean): CallerAuthOutcome => ({ ok: false, status: 401, headers: [], code, countsAsFailure });

function gate(logs: 'failures' | 'refusals', outcomes: CallerAuthOutcome[], backoff?: AddressBackoff) {
  const lines: Array<Record<string, unknown>> = [];
  const answers: SipResponse[] = [];
  const tx = { respond: (r: SipResponse) => void answers.push(r) } as unknown as ServerTransaction;
  let next = 0;
  const g = new AuthGate({
    auth: { authenticate: () => Promise.resolve(outcomes[next++ % outcomes.length]!) },
    ...(backoff ? { backoff } : {}),
    logger: { info: (fields) => void lines.push(fields) },
    now: () => 5_000_000,
    events: { throttled: 'mwi.auth_throttled', refused: 'mwi.auth_refused', message: 'mwi' },
    logs,
  });
  return { admit: () => g.admit(tx, request, source), lines, answers };
}

describe('AuthGate', () => {
  it("'failures' logs what counts against the address (a wrong password), not a stale nonce: MWI's hourly refresh stays quiet", async () => {
    const g = gate('failures', [refusal('SIP_AUTH_STALE_NONCE', false)]);
    for (let i = 0; i < 3; i++) expect(await g.admit()).toBeUndefined();
    expect(g.lines).toEqual([]);
    expect(g.answers.map((a) => a.status)).toEqual([401, 401, 401]);
    const wrong = gate('failures', [refusal('SIP_AUTH_BAD_RESPONSE', true)]);
    await wrong.admit();
    expect(wrong.lines).toEqual([{ event: 'mwi.auth_refused', code: 'SIP_AUTH_BAD_RESPONSE', status: 401, suppressedSinceLast: 0 }]);
  });

  it("'refusals' logs every refusal but a first challenge, a window per code: a stale nonce does not hide a wrong password", async () => {
    const g = gate('refusals', [refusal('SIP_AUTH_NO_CREDENTIALS', false), refusal('SIP_AUTH_STALE_NONCE', false), refusal('SIP_AUTH_BAD_RESPONSE', true), refusal('SIP_AUTH_BAD_RESPONSE', true)]);
    for (let i = 0; i < 4; i++) await g.admit();
    expect(g.lines.map((l) => l.code)).toEqual(['SIP_AUTH_STALE_NONCE', 'SIP_AUTH_BAD_RESPONSE']);
  });

  it('refuses a throttled address with 403 and Retry-After before any digest work, and counts failures against it', async () => {
    const backoff = new AddressBackoff({ clock: { now: () => 5_000_000 }, freeFailures: 1, baseDelayMs: 60_000 });
    const g = gate('failures', [refusal('SIP_AUTH_BAD_RESPONSE', true)], backoff);
    await g.admit();
    await g.admit();
    await g.admit();
    expect(g.answers.at(-1)?.status).toBe(403);
    expect(g.answers.at(-1)?.headers.find((h) => h.name === 'Retry-After')?.value).toMatch(/^[1-9]\d*$/);
    expect(g.lines.filter((l) => l.event === 'mwi.auth_throttled')).toEqual([{ event: 'mwi.auth_throttled', suppressedSinceLast: 0 }]);
  });
});
