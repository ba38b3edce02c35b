// Runs a sipp scenario against a SIP server and hands back what happened:
// exit code, sipp's call counters, and every message exchanged, parsed, so a
// test can assert the exact flow. On failure the whole trace is printed.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, isAbsolute, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PeerProcess } from './child.ts';
import { freeSipPort, LOOPBACK } from './ports.ts';
import { flowSummary, formatTrace, parseSippTrace, type TracedSipMessage } from './sipp-trace.ts';

export const SCENARIO_DIR = join(dirname(fileURLToPath(import.meta.url)), '..', 'scenarios');

export type SipTransport = 'udp' | 'tcp' | 'tls';

export interface SipCredentials {
  username: string;
  password: string;
  domain: string;
}

export interface SippRunOptions {
  /** A scenario name from test/interop/scenarios ("register-auth") or a path to an XML file. */
  scenario: string;
  /** The server, "host:port". */
  target: string;
  transport?: SipTransport;
  /** One user (every call uses it) … */
  username?: string;
  password?: string;
  domain?: string;
  /** … or many, used in turn (sipp's SEQUENTIAL injection). Wins over username/password. */
  users?: readonly SipCredentials[];
  /** Calls (scenario runs) to place; default 1. */
  calls?: number;
  /** Calls started per second; default 10. */
  rate?: number;
  /** At most this many calls in progress at once (sipp -l). */
  concurrency?: number;
  /** The run is ended after this long, whatever state it is in; default 15 s. */
  timeoutMs?: number;
  /** Keep sipp's message trace (on by default; off for load runs, where it costs). */
  traceMessages?: boolean;
  /** Print the trace to stderr when the run fails; default true. */
  printOnFailure?: boolean;
  extraArgs?: readonly string[];
  /** The local SIP port (default a free one): a callee scenario listens where its REGISTER came from. */
  localPort?: number;
  /** Called once sipp has started (it may not have bound its socket yet). */
  onStart?: () => void;
}

export interface SippCounts {
  created: number;
  successful: number;
  failed: number;
  retransmissions: number;
  unexpectedMessages: number;
  timeouts: number;
  regexpMismatches: number;
  /**
   * Traffic time by sipp's own clock (StartTime to the final CurrentTime),
   * without process start-up; undefined when the statistics file lacks it.
   */
  elapsedMs: number | undefined;
  /** Every column of sipp's final statistics line, by name. */
  raw: Record<string, string>;
}

export interface SippRunResult {
  scenario: string;
  /** sipp's exit code: 0 all calls succeeded, 1 some failed, 97/99 other ends, null when killed. */
  exitCode: number | null;
  timedOut: boolean;
  /** True when sipp exited 0 and every call succeeded. */
  ok: boolean;
  counts: SippCounts;
  messages: TracedSipMessage[];
  /** First lines of messages sipp did not expect where they came. */
  unexpected: string[];
  /** "> REGISTER", "< 401", … in order. */
  flow: string[];
  /** sipp's error log (-trace_err). */
  errors: string;
  /** sipp's own output (its final screen). */
  output: string;
  wallMs: number;
}

export class SippTransportUnavailableError extends Error {
  readonly code = 'SIPP_TRANSPORT_UNAVAILABLE';
  constructor(transport: SipTransport) {
    super(`this sipp was built without ${transport.toUpperCase()} support (Debian's sip-tester has no OpenSSL)`);
  }
}

let sippVersionText: string | undefined;

/** Whether the installed sipp can speak TLS (Debian 12's cannot). */
export function sippSupportsTls(): boolean {
  // `sipp -v` prints its build ("v3.6.1-SCTP-PCAP-RTPSTREAM", "-TLS" when
  // built with OpenSSL) and exits non-zero.
  sippVersionText ??= `${spawnSync('sipp', ['-v'], { encoding: 'utf8' }).stdout ?? ''}`;
  return /SIPp v\S*TLS/.test(sippVersionText);
}

export function scenarioPath(scenario: string): string {
  if (isAbsolute(scenario) || scenario.includes('/')) return scenario;
  return join(SCENARIO_DIR, scenario.endsWith('.xml') ? scenario : `${scenario}.xml`);
}

const FIELD_SAFE = /^[^;\n\r\]\[ ]+$/;

/**
 * sipp's injection file: field 0 username, 1 password, 2 domain, 3 the
 * ready-made [authentication] keyword (sipp 3.6 does not expand fields nested
 * inside that keyword, but does expand a keyword held in a field).
 */
export function injectionFile(users: readonly SipCredentials[]): string {
  const rows = users.map((u) => {
    for (const v of [u.username, u.password, u.domain]) {
      if (!FIELD_SAFE.test(v)) throw new Error('credential has a character sipp injection files cannot carry (; [ ] space newline)');
    }
    return `${u.username};${u.password};${u.domain};[authentication username=${u.username} password=${u.password}]`;
  });
  return `SEQUENTIAL\n${rows.join('\n')}\n`;
}

function parseStats(text: string): SippCounts {
  const lines = text.split('\n').filter((l) => l.trim() !== '');
  const header = (lines[0] ?? '').split(';');
  const last = (lines[lines.length - 1] ?? '').split(';');
  const raw: Record<string, string> = {};
  if (lines.length >= 2) header.forEach((name, idx) => name && (raw[name] = last[idx] ?? ''));
  const n = (name: string): number => Number(raw[name] ?? 0) || 0;
  // Timestamps read "2026-11-28\t02:37:53.965582\t1795833473.965582": the last part is epoch seconds.
  const epoch = (name: string): number | undefined => {
    const v = Number((raw[name] ?? '').split('\t').pop());
    return Number.isFinite(v) && v > 0 ? v : undefined;
  };
  const startS = epoch('StartTime');
  const endS = epoch('CurrentTime');
  return {
    elapsedMs: startS !== undefined && endS !== undefined ? (endS - startS) * 1000 : undefined,
    created: n('TotalCallCreated'),
    successful: n('SuccessfulCall(C)'),
    failed: n('FailedCall(C)'),
    retransmissions: n('Retransmissions(C)'),
    unexpectedMessages: n('FailedUnexpectedMessage(C)'),
    timeouts: n('FailedTimeoutOnRecv(C)') + n('FailedMaxUDPRetrans(C)'),
    regexpMismatches: n('FailedRegexpDoesntMatch(C)') + n('FailedRegexpHdrNotFound(C)') + n('FailedRegexpShouldntMatch(C)'),
    raw,
  };
}

function readIfThere(path: string): string {
  return existsSync(path) ? readFileSync(path, 'latin1') : '';
}

export async function runSipp(options: SippRunOptions): Promise<SippRunResult> {
  const transport = options.transport ?? 'udp';
  if (transport === 'tls' && !sippSupportsTls()) throw new SippTransportUnavailableError('tls');
  const users: readonly SipCredentials[] =
    options.users ?? [{ username: options.username ?? 'sipp', password: options.password ?? 'sipp', domain: options.domain ?? LOOPBACK }];
  const first = users[0];
  if (!first) throw new Error('runSipp: no users');
  const calls = options.calls ?? 1;
  const timeoutMs = options.timeoutMs ?? 15_000;
  const traceMessages = options.traceMessages ?? true;
  const scenarioFile = scenarioPath(options.scenario);

  const dir = mkdtempSync(join(tmpdir(), 'sotto-sipp-'));
  const files = {
    users: join(dir, 'users.csv'),
    messages: join(dir, 'messages.log'),
    errors: join(dir, 'errors.log'),
    stats: join(dir, 'stats.csv'),
  };
  writeFileSync(files.users, injectionFile(users), { mode: 0o600 });
  const localPort = options.localPort ?? (await freeSipPort());
  const args = [
    options.target,
    '-sf', scenarioFile,
    '-inf', files.users,
    '-m', String(calls),
    '-r', String(options.rate ?? 10),
    '-i', LOOPBACK,
    '-p', String(localPort),
    // One socket for the whole run, as one phone (or one NAT address) would.
    '-t', transport === 'udp' ? 'u1' : transport === 'tcp' ? 't1' : 'l1',
    '-nostdin',
    // Abort a call on an unexpected message, but send nothing more (no BYE
    // into a REGISTER flow, no automatic answers that would hide a bug).
    '-default_behaviors', 'abortunexp',
    // The digest-uri must be the Request-URI (RFC 3261 22.4, RFC 2617 3.2.2);
    // sipp would otherwise use the server's ip:port.
    '-auth_uri', first.domain,
    '-timeout', `${Math.ceil(timeoutMs / 1000)}s`,
    '-timeout_error',
    '-trace_stat', '-stf', files.stats,
    '-trace_err', '-error_file', files.errors,
    ...(traceMessages ? ['-trace_msg', '-message_file', files.messages] : []),
    ...(options.concurrency !== undefined ? ['-l', String(options.concurrency)] : []),
    ...(options.extraArgs ?? []),
  ];
  const started = performance.now();
  const proc = new PeerProcess('sipp', 'sipp', args, { cwd: dir, maxLifetimeMs: timeoutMs + 3000 });
  options.onStart?.();
  const exit = await proc.exited;
  const wallMs = performance.now() - started;
  const timedOut = exit.code === null || (exit.code !== 0 && wallMs >= timeoutMs);

  const trace = parseSippTrace(readIfThere(files.messages));
  const counts = parseStats(readIfThere(files.stats));
  const errors = readIfThere(files.errors);
  rmSync(dir, { recursive: true, force: true });

  const result: SippRunResult = {
    scenario: options.scenario,
    exitCode: exit.code,
    timedOut,
    ok: exit.code === 0 && counts.failed === 0 && counts.successful === calls,
    counts,
    messages: trace.messages,
    unexpected: trace.unexpected,
    flow: flowSummary(trace.messages),
    errors,
    output: proc.output,
    wallMs,
  };
  if (!result.ok && (options.printOnFailure ?? true)) process.stderr.write(describeSippRun(result));
  return result;
}

/** Everything a person needs to see when a run went wrong. */
export function describeSippRun(r: SippRunResult): string {
  return [
    `--- sipp ${r.scenario}: exit ${r.exitCode}${r.timedOut ? ' (timed out)' : ''}, ` +
      `${r.counts.successful} ok / ${r.counts.failed} failed of ${r.counts.created}`,
    `flow: ${r.flow.join(' ')}`,
    r.unexpected.length ? `unexpected: ${r.unexpected.join(' | ')}` : '',
    formatTrace(r.messages),
    r.errors.trim() ? `--- sipp errors ---\n${r.errors.trim().slice(-4000)}` : '',
    `--- sipp output (tail) ---\n${r.output.trim().slice(-2000)}`,
    '',
  ]
    .filter((s) => s !== '')
    .join('\n');
}
