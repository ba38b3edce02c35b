// A real SMTP server (smtp-server, from the Nodemailer project) on loopback
// for the notify tests, with what it receives parsed by mailparser. Tests
// wait on `nextMessage()`, never on time.
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { simpleParser, type ParsedMail } from 'mailparser';
import { SMTPServer } from 'smtp-server';

export interface SelfSignedCert {
  dir: string;
  keyFile: string;
  certFile: string;
  key: Buffer;
  cert: Buffer;
  remove(): void;
}

/** A throwaway certificate for 127.0.0.1 and localhost, made with `openssl req -x509`. */
export function makeSelfSignedCert(): SelfSignedCert {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-notify-'));
  const keyFile = join(dir, 'key.pem');
  const certFile = join(dir, 'cert.pem');
  execFileSync(
    'openssl',
    [
      'req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes',
      '-days', '2', '-subj', '/CN=sotto-test-smtp',
      '-addext', 'subjectAltName=DNS:localhost,IP:127.0.0.1',
      '-keyout', keyFile, '-out', certFile,
    ],
    { stdio: 'ignore' },
  );
  return { dir, keyFile, certFile, key: readFileSync(keyFile), cert: readFileSync(certFile), remove: () => rmSync(dir, { recursive: true, force: true }) };
}

export interface ReceivedMail {
  raw: Buffer;
  parsed: ParsedMail;
  /** The session had TLS (STARTTLS done) when the message was sent. */
  secure: boolean;
}

export interface TestSmtpServer {
  port: number;
  url: string;
  received: ReceivedMail[];
  /** MAIL FROM commands seen, whether or not a message followed. */
  mailFromCount: number;
  nextMessage(): Promise<ReceivedMail>;
  close(): Promise<void>;
}

/** A port nothing listens on right now (for "SMTP is down"). */
export async function freePort(): Promise<number> {
  const probe = createServer();
  await new Promise<void>((resolve) => probe.listen(0, '127.0.0.1', resolve));
  const port = (probe.address() as { port: number }).port;
  await new Promise<void>((resolve) => probe.close(() => resolve()));
  return port;
}

/**
 * @param tls key and cert to offer STARTTLS with (or, with implicitTls, to
 *   speak TLS from the first byte); without them the server offers no
 *   STARTTLS and refuses the command.
 */
export async function startSmtpServer(opts: { tls?: { key: Buffer; cert: Buffer }; implicitTls?: boolean; port?: number } = {}): Promise<TestSmtpServer> {
  const received: ReceivedMail[] = [];
  const waiters: Array<(m: ReceivedMail) => void> = [];
  const state = { mailFromCount: 0 };
  const server = new SMTPServer({
    secure: opts.implicitTls === true,
    authOptional: true,
    logger: false,
    // Loopback has no PTR worth waiting for.
    disableReverseLookup: true,
    ...(opts.tls ? { key: opts.tls.key, cert: opts.tls.cert } : { disabledCommands: ['STARTTLS'] }),
    onMailFrom(_address, _session, callback) {
      state.mailFromCount += 1;
      callback();
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on('data', (c: Buffer) => chunks.push(c));
      stream.on('end', () => {
        const raw = Buffer.concat(chunks);
        void simpleParser(raw).then((parsed) => {
          const mail = { raw, parsed, secure: session.secure };
          received.push(mail);
          const w = waiters.shift();
          if (w) w(mail);
          callback();
        }, callback);
      });
    },
  });
  server.on('error', () => {});
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, '127.0.0.1', () => resolve());
  });
  const port = (server.server.address() as { port: number }).port;
  let consumed = 0;
  return {
    port,
    url: `${opts.implicitTls ? 'smtps' : 'smtp'}://127.0.0.1:${port}`,
    received,
    get mailFromCount() {
      return state.mailFromCount;
    },
    nextMessage() {
      const already = received[consumed];
      if (already !== undefined) {
        consumed += 1;
        return Promise.resolve(already);
      }
      return new Promise((resolve) => {
        waiters.push((m) => {
          consumed += 1;
          resolve(m);
        });
      });
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
