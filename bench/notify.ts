/**
 * Figures for email notices: template rendering (default, with transcript,
 * with a 60 s WAV attached), and sequential sends through Mailer to a local
 * smtp-server (plain, STARTTLS, PHI over STARTTLS), side by side with bare
 * nodemailer on the same server as the peer. One connection per message,
 * as Mailer sends notices. smtp-server holds its 220 greeting about 100 ms
 * (its early-talker check), which dominates a single send; the last figure
 * is the Notifier draining a burst with several sends in flight.
 */
import nodemailer from 'nodemailer';
import { Mailer, ManualScheduler, MemoryOutboxStore, Notifier, renderVoicemailNotice, type VoicemailNoticeInput } from '../src/notify/index.ts';
import { writeWav } from '../src/media/wav.ts';
import { makeSelfSignedCert, startSmtpServer } from '../test/notify/smtp-harness.ts';

async function time(label: string, n: number, fn: (i: number) => Promise<unknown> | unknown): Promise<void> {
  const start = performance.now();
  for (let i = 0; i < n; i++) await fn(i);
  const ms = performance.now() - start;
  process.stdout.write(`${label.padEnd(52)} ${(ms / n).toFixed(3).padStart(9)} ms/op  ${((n / ms) * 1000).toFixed(0).padStart(8)} op/s\n`);
}

function wav(seconds: number): Buffer {
  return writeWav({ encoding: 'pcm16' }, Buffer.alloc(seconds * 16_000));
}

const on = { enabled: true } as const;
const off = { enabled: false, reason: 'user' } as const;
const base: VoicemailNoticeInput = {
  practiceName: 'Maple Street Dental',
  mailboxLabel: 'Extension 101',
  portalUrl: 'https://pbx.clinic.example',
  messageId: '0193a6f2-4c1d-7e2a-9b3f-2d4e6a8c0b1e',
  receivedAt: new Date(),
  durationMs: 60_000,
  decisions: { voicemail_email_audio: off, voicemail_email_transcript: off },
};
const transcript = 'Hello, this is a caller asking for a call back about an appointment next week. '.repeat(6);
const audio = wav(60);

await time('render default notice', 20_000, () => renderVoicemailNotice(base));
await time('render with transcript', 20_000, () => renderVoicemailNotice({ ...base, transcript, decisions: { voicemail_email_audio: off, voicemail_email_transcript: on } }));
await time('render with 60 s WAV (960 kB) attached', 2_000, () => renderVoicemailNotice({ ...base, audio, decisions: { voicemail_email_audio: on, voicemail_email_transcript: off } }));

const cert = makeSelfSignedCert();
const tls = await startSmtpServer({ tls: { key: cert.key, cert: cert.cert } });
const plain = await startSmtpServer();
const N = 100;
const notice = renderVoicemailNotice(base);
const withAudio = renderVoicemailNotice({ ...base, audio, decisions: { voicemail_email_audio: on, voicemail_email_transcript: off } });
const make = (url: string, caFile?: string) => {
  const m = Mailer.create({ smtpUrl: url, from: 'notices@clinic.example', caFile });
  if (!m.ok) throw m.error;
  return m.value;
};
const mPlain = make(plain.url);
const mTls = make(tls.url, cert.certFile);
const peerPlain = nodemailer.createTransport({ host: '127.0.0.1', port: plain.port, secure: false, logger: false });
const peerTls = nodemailer.createTransport({ host: '127.0.0.1', port: tls.port, secure: false, tls: { ca: cert.cert }, logger: false });
const peerMail = { from: 'notices@clinic.example', to: 'a@clinic.example', subject: notice.subject, text: notice.text, html: notice.html };

const must = async (p: Promise<{ ok: boolean }>) => {
  if (!(await p).ok) throw new Error('send failed');
};
await time('Mailer send notice, no TLS offered', N, () => must(mPlain.send({ to: 'a@clinic.example', mail: notice })));
await time('  peer: bare nodemailer, same server', N, () => peerPlain.sendMail(peerMail));
await time('Mailer send notice, STARTTLS', N, () => must(mTls.send({ to: 'a@clinic.example', mail: notice })));
await time('  peer: bare nodemailer, same server', N, () => peerTls.sendMail(peerMail));
await time('Mailer send notice + 60 s WAV, STARTTLS required', 30, () => must(mTls.send({ to: 'a@clinic.example', mail: withAudio })));

for (const concurrency of [1, 4, 16]) {
  const store = new MemoryOutboxStore();
  const burst = 64;
  const notifier = new Notifier({
    mailer: mTls,
    store,
    scheduler: new ManualScheduler(),
    concurrency,
    batchSize: burst,
    resolver: { voicemail: async (job) => ({ to: 'a@clinic.example', input: { ...base, messageId: job.messageId } }), security: async () => null },
  });
  for (let i = 0; i < burst; i++) {
    await notifier.enqueue({ kind: 'voicemail', messageId: `0193a6f2-4c1d-7e2a-9b3f-${i.toString(16).padStart(12, '0')}`, recipientId: base.messageId });
  }
  const start = performance.now();
  const outcomes = await notifier.start();
  const ms = performance.now() - start;
  if (outcomes.filter((o) => o.status === 'sent').length !== burst) throw new Error('burst not delivered');
  process.stdout.write(`${`Notifier burst of ${burst} notices, STARTTLS, ${concurrency} in flight`.padEnd(52)} ${(ms / burst).toFixed(3).padStart(9)} ms/op  ${((burst / ms) * 1000).toFixed(0).padStart(8)} op/s\n`);
  await notifier.stop();
}

mPlain.close();
mTls.close();
peerPlain.close();
peerTls.close();
await tls.close();
await plain.close();
cert.remove();
