import { describe, expect, it } from 'vitest';
import { NotifyError } from './errors.ts';
import { carriesPhi } from './mail.ts';
import type { MailSender, OutgoingMail } from './mailer.ts';
import type { NoticeJob } from './notice-job.ts';
import { Notifier, type DeliveryOutcome, type NoticeResolver } from './notifier.ts';
import { MemoryOutboxStore } from './outbox.ts';
import { err, ok } from './result.ts';
import { ManualScheduler } from './scheduler.ts';
import type { VoicemailNoticeInput } from './templates/voicemail-notice.ts';

const MSG = '0193a6f2-4c1d-7e2a-9b3f-2d4e6a8c0b1e';
const USER = '0193a6f2-4c1d-7e2a-9b3f-aaaaaaaaaaaa';
const JOB: NoticeJob = { kind: 'voicemail', messageId: MSG, recipientId: USER };
const WAV = Buffer.concat([Buffer.from('RIFF\x24\x00\x00\x00WAVE', 'latin1'), Buffer.alloc(32)]);

function input(over: Partial<VoicemailNoticeInput> = {}): VoicemailNoticeInput {
  return {
    practiceName: 'Maple Street Dental',
    mailboxLabel: 'Extension 101',
    portalUrl: 'https://pbx.clinic.example',
    messageId: MSG,
    receivedAt: new Date(Date.UTC(2026, 0, 5)),
    durationMs: 10_000,
    decisions: { voicemail_email_audio: { enabled: true }, voicemail_email_transcript: { enabled: true } },
    transcript: 'call me back',
    audio: WAV,
    ...over,
  };
}

/** A mailer that answers from a script, one answer per send, and remembers what it was asked. */
class ScriptedMailer implements MailSender {
  readonly sent: OutgoingMail[] = [];
  constructor(readonly answers: Array<NotifyError | 'ok'>) {}
  async send(outgoing: OutgoingMail) {
    this.sent.push(outgoing);
    const a = this.answers.shift() ?? 'ok';
    return a === 'ok' ? ok({ messageId: '<x@y>', tlsEnforced: carriesPhi(outgoing.mail) }) : err(a);
  }
  close() {}
}

const resolver = (voicemail: NoticeResolver['voicemail']): NoticeResolver => ({ voicemail, security: async () => ({ practiceName: 'P', portalUrl: 'https://pbx.example' }) });

function setup(mailer: MailSender, res: NoticeResolver, extra: Partial<ConstructorParameters<typeof Notifier>[0]> = {}) {
  const store = new MemoryOutboxStore();
  const scheduler = new ManualScheduler();
  const outcomes: DeliveryOutcome[] = [];
  const notifier = new Notifier({ mailer, store, resolver: res, scheduler, onOutcome: (o) => outcomes.push(o), ...extra });
  return { store, scheduler, outcomes, notifier };
}

describe('Notifier', () => {
  it('queues the same voicemail for the same user once', async () => {
    const { store, notifier } = setup(new ScriptedMailer([]), resolver(async () => null));
    const a = await notifier.enqueue(JOB);
    const b = await notifier.enqueue({ ...JOB });
    expect(b.id).toBe(a.id);
    expect(await store.list()).toHaveLength(1);
  });

  it('stores only the ids of a voicemail job, whatever else the caller passed', async () => {
    const { store, notifier } = setup(new ScriptedMailer([]), resolver(async () => null));
    await notifier.enqueue({ ...JOB, ...{ callerNumber: '+15558675309', transcript: 'biopsy' } });
    expect((await store.list())[0]!.job).toEqual(JOB);
    await expect(notifier.enqueue({ kind: 'voicemail', messageId: '+15558675309', recipientId: USER })).rejects.toThrow(/UUID/);
  });

  it('delivers on start what was left queued (a restart)', async () => {
    const mailer = new ScriptedMailer(['ok']);
    const { notifier, store, outcomes } = setup(mailer, resolver(async () => ({ to: 'a@b.example', input: input() })));
    await notifier.enqueue(JOB); // not started: stored only
    expect(mailer.sent).toHaveLength(0);
    await notifier.start();
    expect(outcomes).toEqual([{ outboxId: expect.any(String), status: 'sent', attempt: 1, phiWithheld: false }]);
    expect(await store.list()).toEqual([]);
  });

  it('with a poll interval, sends what another process queued in the outbox (the CLI) without waiting for a restart', async () => {
    const mailer = new ScriptedMailer(['ok']);
    const { notifier, store, scheduler, outcomes } = setup(mailer, resolver(async () => null), { pollIntervalMs: 60_000 });
    await notifier.start();
    await store.add({ kind: 'security', userId: USER, to: 'owner@clinic.example', event: 'mfa_reset', occurredAt: scheduler.now() }, scheduler.now());
    scheduler.advance(59_999);
    await notifier.idle();
    expect(mailer.sent).toHaveLength(0);
    scheduler.advance(1);
    await notifier.idle();
    expect(outcomes).toEqual([{ outboxId: expect.any(String), status: 'sent', attempt: 1, phiWithheld: false }]);
    expect(mailer.sent.map((m) => [m.to, m.mail.subject])).toEqual([['owner@clinic.example', 'Two-step sign-in was reset']]);
    await notifier.stop();
    expect(scheduler.pending).toBe(0);
  });

  it('drops a notice whose voicemail is gone', async () => {
    const { notifier, store, outcomes } = setup(new ScriptedMailer([]), resolver(async () => null));
    await notifier.start();
    await notifier.enqueue(JOB);
    await notifier.idle();
    expect(outcomes).toMatchObject([{ status: 'dropped', code: 'NOTIFY_NOTICE_GONE' }]);
    expect(await store.list()).toEqual([]);
  });

  it('retries when the resolver fails, and fails for good when the template refuses its input', async () => {
    let calls = 0;
    const { notifier, scheduler, outcomes } = setup(
      new ScriptedMailer([]),
      resolver(async () => {
        calls += 1;
        if (calls === 1) throw new Error('database is locked');
        return { to: 'a@b.example', input: input({ messageId: 'not-a-uuid' }) };
      }),
    );
    await notifier.start();
    await notifier.enqueue(JOB);
    await notifier.idle();
    scheduler.advance(30_000);
    await notifier.idle();
    expect(outcomes).toMatchObject([
      { status: 'retrying', code: 'NOTIFY_SOURCE_UNAVAILABLE', attempt: 1 },
      { status: 'failed', code: 'NOTIFY_RENDER_FAILED', attempt: 2 },
    ]);
  });

  it('without TLS, sends the PHI-free notice in place of the full one', async () => {
    const mailer = new ScriptedMailer([new NotifyError('NOTIFY_TLS_REQUIRED', 'no tls'), 'ok']);
    const { notifier, outcomes } = setup(mailer, resolver(async () => ({ to: 'a@b.example', input: input() })));
    await notifier.start();
    await notifier.enqueue(JOB);
    await notifier.idle();
    expect(mailer.sent.map((s) => carriesPhi(s.mail))).toEqual([true, false]);
    expect(mailer.sent[1]!.mail.text).not.toContain('call me back');
    expect(outcomes).toMatchObject([{ status: 'sent', phiWithheld: true }]);
  });

  it('records a disclosure only for the mail that carried PHI out: not when TLS was missing, not for a failed try, once when it went', async () => {
    const disclosures: Array<{ audio: boolean; transcript: boolean }> = [];
    const withLedger = (voicemail: NoticeResolver['voicemail']): NoticeResolver => ({
      ...resolver(voicemail),
      disclosed: async (_job, what) => void disclosures.push(what),
    });
    // No TLS: the PHI-free notice went instead, so nothing was disclosed.
    const noTls = setup(new ScriptedMailer([new NotifyError('NOTIFY_TLS_REQUIRED', 'no tls'), 'ok']), withLedger(async () => ({ to: 'a@b.example', input: input() })));
    await noTls.notifier.start();
    await noTls.notifier.enqueue(JOB);
    await noTls.notifier.idle();
    expect(noTls.outcomes).toMatchObject([{ status: 'sent', phiWithheld: true }]);
    expect(disclosures).toEqual([]);

    // A temporary failure, then the PHI mail goes: one disclosure, of what the mail held.
    const mailer = new ScriptedMailer([new NotifyError('NOTIFY_SMTP_UNAVAILABLE', 'down'), 'ok']);
    const later = setup(mailer, withLedger(async () => ({ to: 'a@b.example', input: input({ transcript: undefined }) })));
    await later.notifier.start();
    await later.notifier.enqueue(JOB);
    await later.notifier.idle();
    expect(disclosures).toEqual([]);
    later.scheduler.advance(60 * 60 * 1000);
    await later.notifier.idle();
    expect(later.outcomes.map((o) => o.status)).toEqual(['retrying', 'sent']);
    expect(disclosures).toEqual([{ audio: true, transcript: false }]);
  });

  it("with onTlsUnavailable 'fail', keeps the entry as failed and sends nothing else", async () => {
    const mailer = new ScriptedMailer([new NotifyError('NOTIFY_TLS_REQUIRED', 'no tls')]);
    const { notifier, outcomes, store } = setup(mailer, resolver(async () => ({ to: 'a@b.example', input: input() })), { onTlsUnavailable: 'fail' });
    await notifier.start();
    await notifier.enqueue(JOB);
    await notifier.idle();
    expect(mailer.sent).toHaveLength(1);
    expect(outcomes).toMatchObject([{ status: 'failed', code: 'NOTIFY_TLS_REQUIRED' }]);
    expect(await store.list()).toMatchObject([{ state: 'failed', lastErrorCode: 'NOTIFY_TLS_REQUIRED' }]);
  });

  it('does not retry a message the server rejected (5xx)', async () => {
    const mailer = new ScriptedMailer([new NotifyError('NOTIFY_SMTP_REJECTED', 'rejected', 550)]);
    const { notifier, outcomes, scheduler } = setup(mailer, resolver(async () => ({ to: 'a@b.example', input: input() })));
    await notifier.start();
    await notifier.enqueue(JOB);
    await notifier.idle();
    expect(outcomes).toMatchObject([{ status: 'failed', code: 'NOTIFY_SMTP_REJECTED', attempt: 1 }]);
    expect(scheduler.pending).toBe(0);
  });

  it('renders a security notice from the stored job and the practice context', async () => {
    const mailer = new ScriptedMailer(['ok']);
    const { notifier } = setup(mailer, resolver(async () => null));
    await notifier.start();
    await notifier.enqueue({ kind: 'security', userId: USER, to: 'old@b.example', event: 'email_changed', occurredAt: Date.UTC(2026, 0, 5), ipAddress: '203.0.113.7' });
    await notifier.idle();
    expect(mailer.sent).toHaveLength(1);
    expect(mailer.sent[0]!.to).toBe('old@b.example');
    expect(mailer.sent[0]!.mail.subject).toBe('Your Sotto email address was changed');
    expect(mailer.sent[0]!.mail.text).toContain('From address: 203.0.113.7');
  });
});
