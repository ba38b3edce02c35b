// baresip, a real softphone, registering to a server under test. It runs with
// a generated config directory (one account, loopback only, no sound card:
// the aufile/ausine modules stand in for audio, no UI module), its SIP trace
// on (-s) so the exact exchange can be asserted and shown, and it is stopped
// with a signal so it unregisters as a phone being switched off would.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeerProcess } from './child.ts';
import { freeSipPort, LOOPBACK } from './ports.ts';
import { parseSipMessageLines, type TracedSipMessage } from './sipp-trace.ts';
import type { SipTransport } from './sipp.ts';

export interface BaresipOptions {
  /** Address-of-record, "sip:101@example.test". */
  aor: string;
  password: string;
  transport: SipTransport;
  /** Where REGISTERs go, "host:port" (the server under test). */
  outboundProxy: string;
  /** Requested registration lifetime in seconds (baresip's regint); default 600. */
  registerIntervalSec?: number;
  /** Wait for the first registration to succeed before resolving; default true. */
  waitForRegistration?: boolean;
  /** CA file for TLS (sip_cafile). */
  tlsCaFile?: string;
  /** Extra application modules to load, e.g. ["mwi.so"] (subscribes to message-summary after registering). */
  appModules?: readonly string[];
  startTimeoutMs?: number;
  /** baresip quits by itself after this long; default 120 s. */
  maxLifetimeMs?: number;
  /** What the phone sends: `aufile,/path/tone.wav` plays a WAV file; default a 440 Hz sine. */
  audioSource?: string;
  /** Records what the phone hears (sndfile module): `dump-<peer>-dec.wav` files in this directory. */
  recordDir?: string;
  /** `auto`: answers incoming calls at once (account answermode). */
  answerMode?: 'auto' | 'manual';
  /** Commands run at start (`-e`, with the menu module), e.g. `/dial sip:102@example.test`. */
  commands?: string[];
}

export interface RegistrationOutcome {
  status: number;
  reason: string;
  /** Bindings the server reported in its 200 (baresip prints "[n bindings]"). */
  bindings: number | undefined;
}

export class BaresipRegistrationError extends Error {
  readonly code = 'BARESIP_REGISTRATION_FAILED';
  constructor(
    readonly outcome: RegistrationOutcome,
    trace: string,
  ) {
    super(`baresip registration failed: ${outcome.status} ${outcome.reason}\n${trace}`);
  }
}

export interface BaresipAgent {
  /** The local SIP port baresip listens on. */
  sipPort: number;
  /** The first registration's outcome (after start, when waited for). */
  readonly registration: RegistrationOutcome | undefined;
  /** SIP messages baresip sent and received so far, parsed from its trace. */
  messages(): TracedSipMessage[];
  /** baresip's output, colour codes removed. */
  readonly output: string;
  /** Settles with the first match of `pattern` in baresip's output (its SIP trace included) from the start. */
  waitForOutput(pattern: RegExp, timeoutMs: number): Promise<RegExpMatchArray>;
  /** The next registration outcome printed from now on. */
  nextRegistration(timeoutMs: number): Promise<RegistrationOutcome>;
  /** Quits baresip (it unregisters first) and waits for it to be gone. */
  stop(): Promise<void>;
}

// eslint-disable-next-line no-control-regex
const ANSI = /\x1b\[[0-9;]*m/g;
// "101@example.test: {0/UDP/v4} 200 OK (server) [1 binding]"
const REGISTERED = /^\S+: \{\d+\/(?:UDP|TCP|TLS)\/v[46]\} (\d{3}) (.*?)(?: \[(\d+) bindings?\])?$/m;
// "reg: sip:101@example.test: 401 Unauthorized (server)"
const REG_FAILED = /^reg: \S+: (\d{3}) (.*)$/m;

function outcomeFrom(text: string): RegistrationOutcome | undefined {
  const ok = REGISTERED.exec(text);
  const failed = REG_FAILED.exec(text);
  // Whichever was printed first is the outcome of this attempt.
  const first = ok && failed ? (ok.index < failed.index ? ok : failed) : (ok ?? failed);
  if (!first) return undefined;
  return { status: Number(first[1]), reason: (first[2] ?? '').trim(), bindings: first[3] !== undefined ? Number(first[3]) : undefined };
}

function baresipConfig(sipPort: number, transport: SipTransport, tlsCaFile: string | undefined, o: Pick<BaresipOptions, 'audioSource' | 'recordDir' | 'commands' | 'appModules'> = {}): string {
  return [
    'poll_method epoll',
    `sip_listen ${LOOPBACK}:${sipPort}`,
    // Bind to loopback only; without it baresip picks the first interface.
    `net_interface ${LOOPBACK}`,
    `sip_transports ${transport === 'tls' ? 'udp,tcp,tls' : 'udp,tcp'}`,
    ...(tlsCaFile ? [`sip_cafile ${tlsCaFile}`] : []),
    // No sound card: a sine source, and players that write nowhere.
    'audio_player aufile,/dev/null',
    'audio_alert aufile,/dev/null',
    `audio_source ${o.audioSource ?? 'ausine,440'}`,
    'module_path /usr/lib/baresip/modules',
    'module g711.so',
    'module aufile.so',
    'module ausine.so',
    ...(o.recordDir ? ['module sndfile.so', `snd_path ${o.recordDir}`] : []),
    ...(o.commands?.length ? ['module_app menu.so'] : []),
    'module_app account.so',
    ...(o.appModules ?? []).map((m) => `module_app ${m}`),
    '',
  ].join('\n');
}

export async function startBaresip(options: BaresipOptions): Promise<BaresipAgent> {
  if (!/^sips?:[^@\s;<>"]+@[^@\s;<>"]+$/.test(options.aor)) throw new Error('startBaresip: aor must look like sip:user@domain');
  if (/[;"\s]/.test(options.password)) throw new Error('startBaresip: password cannot carry ; " or spaces in a baresip accounts line');
  const dir = mkdtempSync(join(tmpdir(), 'sotto-baresip-'));
  const sipPort = await freeSipPort();
  const t = options.transport;
  writeFileSync(join(dir, 'config'), baresipConfig(sipPort, t, options.tlsCaFile, options));
  const account =
    `<${options.aor};transport=${t}>` +
    `;auth_pass=${options.password}` +
    `;outbound="sip:${options.outboundProxy};transport=${t}"` +
    `;regint=${options.registerIntervalSec ?? 600}` +
    (options.answerMode ? `;answermode=${options.answerMode}` : '');
  writeFileSync(join(dir, 'accounts'), `${account}\n`, { mode: 0o600 });
  const lifetimeSec = Math.ceil((options.maxLifetimeMs ?? 120_000) / 1000);
  const commands = (options.commands ?? []).flatMap((c) => ['-e', c]);
  const proc = new PeerProcess('baresip', 'baresip', ['-f', dir, '-s', '-t', String(lifetimeSec), ...commands], {
    cwd: dir,
    maxLifetimeMs: lifetimeSec * 1000 + 5000,
    outputFilter: (text) => text.replace(ANSI, ''),
  });
  const clean = (): string => proc.output;
  let registration: RegistrationOutcome | undefined;

  const nextRegistration = async (timeoutMs: number, fromMark = proc.outputMark): Promise<RegistrationOutcome> => {
    const m = await proc.waitForOutput(new RegExp(`${REGISTERED.source}|${REG_FAILED.source}`, 'm'), timeoutMs, fromMark);
    const outcome = outcomeFrom(m[0]);
    if (!outcome) throw new Error('baresip: unreadable registration line');
    return outcome;
  };
  const messages = (): TracedSipMessage[] => parseBaresipTrace(clean(), options.outboundProxy);
  const stop = async (): Promise<void> => {
    // SIGTERM makes baresip stop its user agents, which unregister first.
    await proc.stop('SIGTERM', 5000);
    rmSync(dir, { recursive: true, force: true });
  };

  const startTimeout = options.startTimeoutMs ?? 10_000;
  try {
    if (options.waitForRegistration ?? true) {
      registration = await nextRegistration(startTimeout, 0);
      if (registration.status !== 200) throw new BaresipRegistrationError(registration, clean().slice(-6000));
    } else {
      await proc.waitForOutput(/baresip is ready/, startTimeout);
    }
  } catch (err) {
    await stop();
    throw err;
  }
  return {
    sipPort,
    get registration() {
      return registration;
    },
    get output() {
      return clean();
    },
    messages,
    waitForOutput: (pattern, timeoutMs) => proc.waitForOutput(pattern, timeoutMs, 0),
    nextRegistration: (timeoutMs) => nextRegistration(timeoutMs),
    stop,
  };
}

/**
 * baresip -s prints each message as
 *   #
 *   UDP 127.0.0.1:35555 -> 127.0.0.1:5060
 *   REGISTER sip:example.test SIP/2.0
 *   …headers…
 * A message towards the server (`serverAddress`) was sent, the rest received.
 */
export function parseBaresipTrace(text: string, serverAddress: string): TracedSipMessage[] {
  const lines = text.replace(/\r/g, '').split('\n');
  const out: TracedSipMessage[] = [];
  for (let i = 0; i < lines.length; i++) {
    const route = /^(UDP|TCP|TLS) (\S+) -> (\S+)$/.exec(lines[i] ?? '');
    if (!route || !/^(SIP\/2\.0 \d{3}|[A-Z]+ \S+ SIP\/2\.0)/.test(lines[i + 1] ?? '')) continue;
    const block: string[] = [];
    let j = i + 1;
    // Headers end at the blank line; bodies are not needed for REGISTER flows.
    while (j < lines.length && (lines[j] ?? '') !== '') block.push(lines[j++] ?? '');
    const direction = route[3] === serverAddress ? 'sent' : 'received';
    const msg = parseSipMessageLines(block, direction, route[1] ?? '');
    if (msg) out.push(msg);
    i = j;
  }
  return out;
}
