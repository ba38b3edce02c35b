// Notices through a real SMTP server on loopback (smtp-server), parsed with
// mailparser: what a practice's mail server would actually receive.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  MACHINE_DRAFT_LABEL,
  Mailer,
  ManualScheduler,
  MemoryOutboxStore,
  Notifier,
  renderSecurityNotice,
  renderVoicemailNotice,
  type DeliveryOutcome,
  type MailerOptions,
  type NoticeResolver,
  type VoicemailNoticeInput,
} from '../../src/notify/index.ts';
import { writeWav } from '../../src/media/wav.ts';
import { SAFE_DEFAULT_POLICY, SAFE_DEFAULT_VOICEMAIL_SETTINGS, decideForUser, type PracticePolicy, type Tier, type VoicemailSettings } from '../../src/policy/index.ts';
import { withoutIds } from '../support/phi.ts';
import { freePort, makeSelfSignedCert, startSmtpServer, type ReceivedMail, type SelfSignedCert, type TestSmtpServer } from './smtp-harness.ts';

const MESSAGE_ID = '0193a6f2-4c1d-7e2a-9b3f-2d4e6a8c0b1e';
const RECIPIENT_ID = '0193a6f2-4c1d-7e2a-9b3f-aaaaaaaaaaaa';
const TO = 'front-desk@clinic.example';
const FROM = '"Sotto" <notices@clinic.example>';

/** What a caller might leave, and what must never reach email by default. */
const CALLER_NUMBER = '+1 (555) 867-5309';
const CALLER_NAME = 'Margaret Thistlewood';
const TRANSCRIPT = 'Hi, this is Margaret Thistlewood, born April 12 1961, calling about my biopsy results. Call me at 555-867-5309.';
const PHI_NEEDLES = ['8675309', '867-5309', '867 5309', 'Thistlewood', 'Margaret', 'biopsy', '1961', 'sip:'];

/** A short 8 kHz mono 16-bit WAV with a recognisable ramp of samples. */
function wav(samples = 800): Buffer {
  const data = Buffer.alloc(samples * 2);
  for (let i = 0; i < samples; i++) data.writeInt16LE(((i * 97) % 65536) - 32768, i * 2);
  return writeWav({ encoding: 'pcm16' }, data);
}
const AUDIO = wav();

function decisions(tier: Tier, policy: Partial<PracticePolicy>, settings: Partial<VoicemailSettings>) {
  return decideForUser(tier, { ...SAFE_DEFAULT_POLICY, ...policy }, { ...SAFE_DEFAULT_VOICEMAIL_SETTINGS, ...settings });
}
const DEFAULT = decisions('pro', {}, {});
const AUDIO_ON = decisions('essentials', { emailAttachmentsAllowed: true }, { attachAudio: true });
const TRANSCRIPT_ON = decisions('pro', { emailTranscriptsAllowed: true }, { includeTranscript: true });
const TRANSCRIPT_TIER_OFF = decisions('essentials', { emailTranscriptsAllowed: true }, { includeTranscript: true });

/**
 * A voicemail notice input with PHI-looking values pushed through every
 * field a careless caller could hand over: the transcript and audio (used
 * only when the decisions allow), and the caller's details, which the
 * template has no parameter for and must ignore.
 */
function input(d: VoicemailNoticeInput['decisions']): VoicemailNoticeInput {
  const withCallerData = {
    practiceName: 'Maple Street Dental',
    mailboxLabel: 'Extension 101',
    portalUrl: 'https://pbx.clinic.example/',
    messageId: MESSAGE_ID,
    receivedAt: new Date(Date.UTC(2026, 2, 3, 14, 5)),
    durationMs: 42_300,
    timeZone: 'America/New_York',
    decisions: d,
    transcript: TRANSCRIPT,
    audio: AUDIO,
    callerNumber: CALLER_NUMBER,
    callerName: CALLER_NAME,
    callerUri: 'sip:+15558675309@trunk.example',
    from: `"${CALLER_NAME}" <sip:5558675309@trunk.example>`,
  };
  return withCallerData;
}

function everyText(m: ReceivedMail): string {
  const headers = [...m.parsed.headers.entries()].map(([k, v]) => `${k}: ${typeof v === 'string' ? v : JSON.stringify(v)}`).join('\n');
  return [m.raw.toString('latin1'), m.parsed.subject ?? '', m.parsed.text ?? '', typeof m.parsed.html === 'string' ? m.parsed.html : '', headers].join('\n');
}

function expectNoPhi(m: ReceivedMail): void {
  const all = everyText(m);
  for (const needle of PHI_NEEDLES) expect(withoutIds(all), `found "${needle}"`).not.toContain(needle);
  expect(all).not.toContain(AUDIO.toString('base64').slice(0, 40));
  expect(m.parsed.attachments).toEqual([]);
}

let cert: SelfSignedCert;
let tlsServer: TestSmtpServer;
let plainServer: TestSmtpServer;
const mailers: Mailer[] = [];

function mailer(options: Partial<MailerOptions> & { smtpUrl: string }): Mailer {
  const made = Mailer.create({ from: FROM, timeouts: { connectMs: 5_000, greetingMs: 5_000, socketMs: 10_000 }, ...options });
  if (!made.ok) throw made.error;
  mailers.push(made.value);
  return made.value;
}

function resolverFor(d: VoicemailNoticeInput['decisions']): NoticeResolver {
  return {
    voicemail: async (job) => (job.messageId === MESSAGE_ID ? { to: TO, input: input(d) } : null),
    security: async () => null,
  };
}

beforeAll(async () => {
  cert = makeSelfSignedCert();
  tlsServer = await startSmtpServer({ tls: { key: cert.key, cert: cert.cert } });
  plainServer = await startSmtpServer();
});

afterAll(async () => {
  for (const m of mailers) m.close();
  await tlsServer.close();
  await plainServer.close();
  cert.remove();
});

describe('default voicemail notice (no PHI)', () => {
  it.each([
    ['STARTTLS', () => ({ server: tlsServer, secure: true })],
    ['no TLS offered', () => ({ server: plainServer, secure: false })],
  ])('over a server with %s: a waiting-message notice with the portal link and nothing from the caller', async (_name, pick) => {
    const { server, secure } = pick();
    const m = mailer({ smtpUrl: server.url, caFile: cert.certFile });
    const sent = await m.send({ to: TO, mail: renderVoicemailNotice(input(DEFAULT)) });
    expect(sent.ok).toBe(true);
    const got = await server.nextMessage();

    // STARTTLS is used whenever the server offers it, even for a PHI-free notice.
    expect(got.secure).toBe(secure);
    expectNoPhi(got);
    expect(got.parsed.subject).toBe('New voicemail for Extension 101');
    const link = `https://pbx.clinic.example/voicemails/${MESSAGE_ID}`;
    expect(got.parsed.text).toContain(link);
    expect(got.parsed.html).toContain(`href="${link}"`);
    expect(got.parsed.text).toContain('A new voicemail is waiting in Extension 101.');
    expect(got.parsed.text).toContain('Received: Mar 3, 2026, 9:05 AM EST');
    expect(got.parsed.text).toContain('Length: 42 seconds');
    expect(got.parsed.text).not.toContain(MACHINE_DRAFT_LABEL);
    expect(got.parsed.headers.get('auto-submitted')).toBe('auto-generated');
  });
});

describe('audio attachment', () => {
  it('arrives over STARTTLS as audio/wav with the same bytes', async () => {
    const m = mailer({ smtpUrl: tlsServer.url, caFile: cert.certFile });
    const sent = await m.send({ to: TO, mail: renderVoicemailNotice(input(AUDIO_ON)) });
    expect(sent.ok && sent.value.tlsEnforced).toBe(true);
    const got = await tlsServer.nextMessage();
    expect(got.secure).toBe(true);
    expect(got.parsed.attachments).toHaveLength(1);
    const [att] = got.parsed.attachments;
    expect(att!.contentType).toBe('audio/wav');
    expect(att!.filename).toBe('voicemail.wav');
    expect(Buffer.compare(att!.content, AUDIO)).toBe(0);
    // The attachment was allowed, the transcript was not; the subject stays clean.
    expect(got.parsed.text).not.toContain('biopsy');
    expect(got.parsed.subject).toBe('New voicemail for Extension 101');
  });

  it('is refused (NOTIFY_TLS_REQUIRED) by a server without TLS, before any MAIL FROM', async () => {
    const m = mailer({ smtpUrl: plainServer.url });
    const before = { mailFrom: plainServer.mailFromCount, received: plainServer.received.length };
    const sent = await m.send({ to: TO, mail: renderVoicemailNotice(input(AUDIO_ON)) });
    expect(sent.ok).toBe(false);
    expect(!sent.ok && sent.error.code).toBe('NOTIFY_TLS_REQUIRED');
    expect(plainServer.mailFromCount).toBe(before.mailFrom);
    expect(plainServer.received.length).toBe(before.received);
  });

  it('through the notifier: the server without TLS gets only the PHI-free notice, saying why', async () => {
    const store = new MemoryOutboxStore();
    const outcomes: DeliveryOutcome[] = [];
    const logLines: string[] = [];
    const capture = (fields: object, message: string) => logLines.push(JSON.stringify({ ...fields, message }));
    const logger = { info: capture, warn: capture, error: capture };
    const notifier = new Notifier({
      logger,
      mailer: mailer({ smtpUrl: plainServer.url, logger }),
      store,
      resolver: resolverFor(decisions('pro', { emailAttachmentsAllowed: true, emailTranscriptsAllowed: true }, { attachAudio: true, includeTranscript: true })),
      scheduler: new ManualScheduler(),
      onOutcome: (o) => outcomes.push(o),
    });
    const before = plainServer.mailFromCount;
    await notifier.start();
    await notifier.enqueue({ kind: 'voicemail', messageId: MESSAGE_ID, recipientId: RECIPIENT_ID });
    const got = await plainServer.nextMessage();
    await notifier.idle();

    expect(outcomes).toEqual([expect.objectContaining({ status: 'sent', phiWithheld: true, attempt: 1 })]);
    expect(plainServer.mailFromCount).toBe(before + 1);
    expect(got.secure).toBe(false);
    expectNoPhi(got);
    expect(got.parsed.text).toContain('left out of this email because the mail server would not encrypt the connection');
    expect(await store.list()).toEqual([]);
    // The logs tell an operator what happened by id and code, and nothing else.
    const log = logLines.join('\n');
    expect(log).toContain('NOTIFY_TLS_REQUIRED');
    expect(log).toContain(MESSAGE_ID);
    for (const needle of [...PHI_NEEDLES, TO, 'clinic.example', 'Extension 101']) expect(log).not.toContain(needle);
    await notifier.stop();
  });
});

describe('transcript', () => {
  it('is included when the tier, the practice and the user allow it, marked as a machine draft', async () => {
    const m = mailer({ smtpUrl: tlsServer.url, caFile: cert.certFile });
    expect((await m.send({ to: TO, mail: renderVoicemailNotice(input(TRANSCRIPT_ON)) })).ok).toBe(true);
    const got = await tlsServer.nextMessage();
    expect(got.secure).toBe(true);
    expect(got.parsed.text).toContain(`${MACHINE_DRAFT_LABEL}:\n${TRANSCRIPT}`);
    expect(got.parsed.html).toContain(MACHINE_DRAFT_LABEL);
    expect(got.parsed.html).toContain('Hi, this is Margaret Thistlewood');
    expect(got.parsed.attachments).toEqual([]);
    // Even with the transcript in the body, the subject carries none of it.
    for (const needle of PHI_NEEDLES) expect(got.parsed.subject).not.toContain(needle);
  });

  it('is left out when the tier does not include it, whatever the user switch says', async () => {
    expect(TRANSCRIPT_TIER_OFF.voicemail_email_transcript.enabled).toBe(false);
    const m = mailer({ smtpUrl: tlsServer.url, caFile: cert.certFile });
    expect((await m.send({ to: TO, mail: renderVoicemailNotice(input(TRANSCRIPT_TIER_OFF)) })).ok).toBe(true);
    expectNoPhi(await tlsServer.nextMessage());
  });
});

describe('SMTP down', () => {
  it('keeps the notice in the outbox (ids only) and delivers it when the server comes back', async () => {
    const port = await freePort();
    const scheduler = new ManualScheduler();
    const store = new MemoryOutboxStore();
    const outcomes: DeliveryOutcome[] = [];
    const notifier = new Notifier({
      mailer: mailer({ smtpUrl: `smtp://127.0.0.1:${port}`, caFile: cert.certFile }),
      store,
      resolver: resolverFor(TRANSCRIPT_ON),
      scheduler,
      retry: { maxAttempts: 5, initialDelayMs: 30_000, multiplier: 2 },
      onOutcome: (o) => outcomes.push(o),
    });
    await notifier.start();
    await notifier.enqueue({ kind: 'voicemail', messageId: MESSAGE_ID, recipientId: RECIPIENT_ID, ...{ callerNumber: CALLER_NUMBER, transcript: TRANSCRIPT } });
    await notifier.idle();
    expect(outcomes).toEqual([expect.objectContaining({ status: 'retrying', attempt: 1, code: 'NOTIFY_SMTP_UNAVAILABLE' })]);

    const [waiting] = await store.list();
    expect(waiting).toMatchObject({ state: 'pending', attempts: 1, lastErrorCode: 'NOTIFY_SMTP_UNAVAILABLE' });
    // The outbox holds what to render, never the rendered PHI.
    expect(waiting!.job).toEqual({ kind: 'voicemail', messageId: MESSAGE_ID, recipientId: RECIPIENT_ID });
    const stored = withoutIds(JSON.stringify(await store.list()));
    for (const needle of PHI_NEEDLES) expect(stored).not.toContain(needle);

    // Still down at the first retry: the wait doubles.
    scheduler.advance(30_000);
    await notifier.idle();
    expect(outcomes[1]).toMatchObject({ status: 'retrying', attempt: 2, nextAttemptAt: scheduler.now() + 60_000 });

    const server = await startSmtpServer({ tls: { key: cert.key, cert: cert.cert }, port });
    try {
      scheduler.advance(59_999);
      await notifier.idle();
      expect(outcomes).toHaveLength(2);
      scheduler.advance(1);
      const got = await server.nextMessage();
      await notifier.idle();
      expect(outcomes[2]).toMatchObject({ status: 'sent', attempt: 3, phiWithheld: false });
      // The transcript was allowed, so this went over STARTTLS only.
      expect(got.secure).toBe(true);
      expect(got.parsed.text).toContain(TRANSCRIPT);
      expect(got.parsed.subject).toBe('New voicemail for Extension 101');
      expect(await store.list()).toEqual([]);
      expect(scheduler.pending).toBe(0);
    } finally {
      await notifier.stop();
      await server.close();
    }
  });

  it('gives up after the bounded number of attempts and keeps the entry as failed', async () => {
    const port = await freePort();
    const scheduler = new ManualScheduler();
    const store = new MemoryOutboxStore();
    const outcomes: DeliveryOutcome[] = [];
    const notifier = new Notifier({
      mailer: mailer({ smtpUrl: `smtp://127.0.0.1:${port}` }),
      store,
      resolver: resolverFor(DEFAULT),
      scheduler,
      retry: { maxAttempts: 3, initialDelayMs: 1_000, multiplier: 2 },
      onOutcome: (o) => outcomes.push(o),
    });
    await notifier.start();
    await notifier.enqueue({ kind: 'voicemail', messageId: MESSAGE_ID, recipientId: RECIPIENT_ID });
    await notifier.idle();
    scheduler.advance(1_000);
    await notifier.idle();
    scheduler.advance(2_000);
    await notifier.idle();
    expect(outcomes.map((o) => [o.status, o.attempt])).toEqual([
      ['retrying', 1],
      ['retrying', 2],
      ['failed', 3],
    ]);
    expect(await store.list()).toEqual([expect.objectContaining({ state: 'failed', attempts: 3, lastErrorCode: 'NOTIFY_SMTP_UNAVAILABLE' })]);
    expect(scheduler.pending).toBe(0);
    await notifier.stop();
  });
});

describe('certificate verification', () => {
  it('refuses a STARTTLS server whose certificate is not trusted, and sends nothing in clear instead', async () => {
    const m = mailer({ smtpUrl: tlsServer.url });
    const before = tlsServer.mailFromCount;
    const sent = await m.send({ to: TO, mail: renderVoicemailNotice(input(DEFAULT)) });
    expect(!sent.ok && sent.error.code).toBe('NOTIFY_TLS_UNTRUSTED');
    expect(tlsServer.mailFromCount).toBe(before);
  });

  it('trusts the same server once its CA file is given', async () => {
    const m = mailer({ smtpUrl: tlsServer.url, caFile: cert.certFile });
    const sent = await m.send({ to: TO, mail: renderSecurityNotice({ practiceName: 'Maple Street Dental', event: 'new_sign_in', occurredAt: new Date(Date.UTC(2026, 2, 3)), portalUrl: 'https://pbx.clinic.example' }) });
    expect(sent.ok).toBe(true);
    const got = await tlsServer.nextMessage();
    expect(got.secure).toBe(true);
    expect(got.parsed.subject).toBe('New sign-in to your Sotto account');
  });

  it('refuses an smtps:// server with an untrusted certificate, and accepts it with the CA file', async () => {
    const smtps = await startSmtpServer({ tls: { key: cert.key, cert: cert.cert }, implicitTls: true });
    try {
      const refused = await mailer({ smtpUrl: smtps.url }).send({ to: TO, mail: renderVoicemailNotice(input(AUDIO_ON)) });
      expect(!refused.ok && refused.error.code).toBe('NOTIFY_TLS_UNTRUSTED');
      expect(smtps.mailFromCount).toBe(0);
      const sent = await mailer({ smtpUrl: smtps.url, caFile: cert.certFile }).send({ to: TO, mail: renderVoicemailNotice(input(AUDIO_ON)) });
      expect(sent.ok).toBe(true);
      const got = await smtps.nextMessage();
      expect(got.secure).toBe(true);
      expect(Buffer.compare(got.parsed.attachments[0]!.content, AUDIO)).toBe(0);
    } finally {
      await smtps.close();
    }
  });
});
