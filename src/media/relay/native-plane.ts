// The native data plane as MediaRelay sees it: the sotto-relay child
// process (native/relay/), requests written to its stdin and replies read
// from its stdout in order (native-protocol.ts), inactivity events passed
// on. The child exits when its stdin reaches EOF, which the kernel also
// delivers when this process dies by SIGKILL, so it never outlives us.
//
// Requests are gathered and written once per event-loop turn (setImmediate,
// after the turn's I/O callbacks): each write to the pipe wakes the child,
// and a wake-up costs this thread more than the bytes. Calls set up in the
// same turn (a burst of INVITEs read together) share one write, and the
// child answers them in one write too. Deletes wait a little longer
// (LAZY_FLUSH_MS) for company: nothing waits on them but the ports' return
// to the pool.
//
// A call that ends leaves its port pairs open in the child, parked for the
// next call on those ports (native/relay/port-pair.c: most of the child's
// cost per call was opening and closing them). The ports still go back to
// MediaRelay's pool, which may hand one to a worker next (a JS call): the
// worker cannot bind a port the child holds, so unpark() closes those
// first. This class knows which ports it left parked.

import { spawn, type ChildProcessByStdio } from 'node:child_process';
import { readFileSync } from 'node:fs';
import type { Readable, Writable } from 'node:stream';
import { err, ok, type MediaError, type Result } from '../result.ts';
import { buildNativeRelay, type NativeBuildErrorCode } from './native-build.ts';
import { encodeNativeRequest, parseNativeLine, type NativeLegStats, type NativeMessage, type NativePlaneStats, type NativeRequest } from './native-protocol.ts';
import { bindFailed, RelayError } from './relay-error.ts';

export interface NativePlaneSettings {
  readonly bindAddress: string;
  readonly recvBufferSize: number;
  readonly sendBufferSize: number;
  readonly inactivityTimeoutMs: number;
  /** The window for a call on hold (native/relay/calls.c). */
  readonly holdInactivityTimeoutMs: number;
  /** Tests: the child's clock moves only on a 'clock' request. */
  readonly heldClock?: boolean;
}

export type NativeStartErrorCode = NativeBuildErrorCode | 'RELAY_NATIVE_START_FAILED';

const START_TIMEOUT_MS = 10_000;
/** No reply to anything for this long while requests wait: the program is wedged. */
const REPLY_TIMEOUT_MS = 5_000;
/** How long a lazy request (a delete) may wait for others to share its write. */
const LAZY_FLUSH_MS = 20;

type Reply = Extract<NativeMessage, { kind: 'ok' | 'plane' }>;
type Pending = { resolve: (reply: Reply) => void; reject: (e: RelayError) => void };

export class NativeDataPlane {
  private readonly pending = new Map<number, Pending>();
  /** Ports whose sockets the child may hold parked (left by an 'end'); a worker binds none of them before unpark(). */
  private readonly parked = new Set<number>();
  /** Each call's bound ports (the end reply does not list them). */
  private readonly portsOf = new Map<number, number[]>();
  private watchdog: NodeJS.Timeout | undefined;
  private lastReplyAt = 0;
  private nextSeq = 1;
  private buffered = '';
  /** Request lines not written yet. */
  private outgoing = '';
  private flushSoon: NodeJS.Immediate | undefined;
  private flushLater: NodeJS.Timeout | undefined;
  private dead = false;
  private readonly exited: Promise<void>;

  private constructor(
    private readonly child: ChildProcessByStdio<Writable, Readable, null>,
    private readonly onInactive: (call: number, idleMs: number) => void,
    ready: () => void,
  ) {
    this.exited = new Promise((resolve) => child.once('exit', () => resolve()));
    child.stdout.setEncoding('latin1');
    child.stdout.on('data', (chunk: string) => this.read(chunk, ready));
    child.stdin.on('error', () => this.fail());
    child.on('error', () => this.fail());
    child.once('exit', () => this.fail());
  }

  /** False once the child has exited (or its pipe broke): new calls must not be sent to it. */
  get alive(): boolean {
    return !this.dead;
  }

  /** Called once if the child stops while we did not ask it to. */
  onUnexpectedExit: (() => void) | undefined;
  private closing = false;

  /** Builds (if needed) and starts the child; resolves once it is ready. */
  static async start(settings: NativePlaneSettings, onInactive: (call: number, idleMs: number) => void): Promise<Result<NativeDataPlane, MediaError<NativeStartErrorCode>>> {
    const binary = await buildNativeRelay();
    if (!binary.ok) return binary;
    const ms = (v: number) => String(Math.max(1, Math.round(v)));
    const args = [settings.bindAddress, String(settings.recvBufferSize), String(settings.sendBufferSize), ms(settings.inactivityTimeoutMs), ms(settings.holdInactivityTimeoutMs)];
    if (settings.heldClock) args.push('held');
    let child: ChildProcessByStdio<Writable, Readable, null>;
    try {
      child = spawn(binary.value, args, { stdio: ['pipe', 'pipe', 'inherit'] });
    } catch {
      return err('RELAY_NATIVE_START_FAILED', 'native relay did not start');
    }
    let markReady: () => void = () => {};
    const ready = new Promise<boolean>((resolve) => {
      markReady = () => resolve(true);
      child.once('error', () => resolve(false));
      child.once('exit', () => resolve(false));
      setTimeout(() => resolve(false), START_TIMEOUT_MS).unref();
    });
    const plane = new NativeDataPlane(child, onInactive, () => markReady());
    if (!(await ready)) {
      child.kill('SIGKILL');
      return err('RELAY_NATIVE_START_FAILED', 'native relay did not start');
    }
    return ok(plane);
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  /** utime + stime of the child, ms (benchmarks). */
  cpuMs(): number {
    try {
      const fields = readFileSync(`/proc/${this.child.pid}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return ((Number(fields[11]) + Number(fields[12])) * 1000) / 100;
    } catch {
      return 0;
    }
  }

  /**
   * Sends one request; resolves with the reply's leg stats (empty but for
   * stats and delete), rejects with the child's error code. It is
   * written at the end of this event-loop turn, or up to LAZY_FLUSH_MS
   * later when `lazy`.
   */
  async request(request: NativeRequest, options: { lazy?: boolean } = {}): Promise<readonly NativeLegStats[]> {
    // The child takes a parked pair for a bind: it is a call's again.
    if (request.op === 'bind') for (const port of request.ports) this.parked.delete(port);
    let reply: Reply;
    try {
      reply = await this.send(request, options);
    } catch (e) {
      // A failed bind closed what it took, but may have left later ports of the request parked: unpark() asks again (harmless if not).
      if (request.op === 'bind') for (const port of request.ports) this.parked.add(port);
      throw e;
    }
    if (request.op === 'bind') this.portsOf.set(request.call, [...(this.portsOf.get(request.call) ?? []), ...request.ports]);
    else if (request.op === 'end') {
      for (const port of this.portsOf.get(request.call) ?? []) this.parked.add(port);
      this.portsOf.delete(request.call);
    } else if (request.op === 'delete') this.portsOf.delete(request.call);
    return reply.kind === 'ok' ? reply.legs : [];
  }

  /** The child's port pairs: open, parked, and what the parked ones dropped. */
  async planeStats(): Promise<NativePlaneStats> {
    const reply = await this.send({ op: 'plane' });
    if (reply.kind !== 'plane') throw new RelayError('RELAY_CLOSED', 'native relay answered out of turn');
    return reply.stats;
  }

  /**
   * Closes the child's parked sockets on `ports`, if it holds any, so a
   * worker can bind them. Resolves once they are closed (at once when none
   * was parked, or when the child is gone: the kernel closed them).
   */
  async unpark(ports: readonly number[]): Promise<void> {
    const held = ports.filter((p) => this.parked.has(p));
    if (held.length === 0 || this.dead) return;
    for (const p of held) this.parked.delete(p);
    try {
      // The program reads up to ten ports a line.
      const lines: Promise<Reply>[] = [];
      for (let i = 0; i < held.length; i += 10) lines.push(this.send({ op: 'unpark', ports: held.slice(i, i + 10) }));
      await Promise.all(lines);
    } catch {
      // RELAY_CLOSED: the child exited, and its sockets with it.
    }
  }

  private send(request: NativeRequest, options: { lazy?: boolean } = {}): Promise<Reply> {
    if (this.dead) return Promise.reject(new RelayError('RELAY_CLOSED', 'native relay stopped'));
    const seq = this.nextSeq;
    // The program reads sequence numbers up to 2^31 - 1; 0 is its "unreadable request".
    this.nextSeq = seq >= 0x7fffffff ? 1 : seq + 1;
    const line = encodeNativeRequest(seq, request);
    this.armWatchdog();
    return new Promise((resolve, reject) => {
      this.pending.set(seq, { resolve, reject });
      this.outgoing += line;
      if (options.lazy) this.flushLater ??= setTimeout(this.flush, LAZY_FLUSH_MS);
      else this.flushSoon ??= setImmediate(this.flush);
    });
  }

  private readonly flush = (): void => {
    if (this.flushSoon) clearImmediate(this.flushSoon);
    if (this.flushLater) clearTimeout(this.flushLater);
    this.flushSoon = undefined;
    this.flushLater = undefined;
    const lines = this.outgoing;
    this.outgoing = '';
    if (lines.length > 0 && !this.dead) this.child.stdin.write(lines);
  };

  /**
   * The program answers in request order within microseconds; one that has
   * not answered anything for REPLY_TIMEOUT_MS while requests wait is wedged:
   * it is killed (its calls are reported lost) rather than let offers and
   * deletes wait for ever.
   */
  private armWatchdog(): void {
    if (this.watchdog) return;
    this.lastReplyAt = Date.now();
    this.watchdog = setInterval(() => {
      if (this.pending.size === 0) {
        clearInterval(this.watchdog);
        this.watchdog = undefined;
      } else if (Date.now() - this.lastReplyAt > REPLY_TIMEOUT_MS) {
        this.wedged();
      }
    }, REPLY_TIMEOUT_MS / 4);
    this.watchdog.unref();
  }

  private wedged(): void {
    this.child.kill('SIGKILL');
    this.fail();
  }

  private read(chunk: string, ready: () => void): void {
    // A chunk holds the replies to a whole batch of requests: read line by line in place.
    const text = this.buffered.length > 0 ? this.buffered + chunk : chunk;
    let start = 0;
    let nl: number;
    while ((nl = text.indexOf('\n', start)) >= 0) {
      const parsed = parseNativeLine(text.slice(start, nl));
      start = nl + 1;
      // A line we cannot read, or an error for request 0 (the program could
      // not read one of ours): the two ends no longer agree, and a reply
      // would never come. Replies come in order, so stop here.
      if (!parsed.ok || (parsed.value.kind === 'error' && parsed.value.seq === 0)) {
        this.buffered = '';
        return this.wedged();
      }
      this.dispatch(parsed.value, ready);
    }
    this.buffered = start < text.length ? text.slice(start) : '';
  }

  private dispatch(m: NativeMessage, ready: () => void): void {
    switch (m.kind) {
      case 'ready':
        return ready();
      case 'inactive':
        return this.onInactive(m.call, m.idleMs);
      case 'ok':
      case 'plane':
      case 'error': {
        this.lastReplyAt = Date.now();
        const p = this.pending.get(m.seq);
        this.pending.delete(m.seq);
        if (!p) return;
        if (m.kind !== 'error') return p.resolve(m);
        return p.reject(nativeError(m.code, m.port, m.reason));
      }
    }
  }

  private fail(): void {
    if (this.dead) return;
    this.dead = true;
    clearInterval(this.watchdog);
    this.flush();
    if (!this.closing) this.onUnexpectedExit?.();
    for (const p of this.pending.values()) p.reject(new RelayError('RELAY_CLOSED', 'native relay stopped'));
    this.pending.clear();
  }

  /** Ends the child: EOF on its stdin, as a dying parent would give it. */
  async close(): Promise<void> {
    this.closing = true;
    this.flush();
    this.child.stdin.end();
    const timer = setTimeout(() => this.child.kill('SIGKILL'), 2000);
    await this.exited;
    clearTimeout(timer);
  }
}

function nativeError(code: string, port: number | undefined, reason: string | undefined): RelayError {
  switch (code) {
    case 'RELAY_BIND_FAILED':
      return bindFailed(port, reason ?? 'error');
    case 'RELAY_UNKNOWN_CALL':
    case 'RELAY_UNKNOWN_LEG':
      return new RelayError(code, 'the native relay does not know it');
    default:
      // RELAY_BAD_REQUEST or RELAY_NO_MEMORY: our bug or an exhausted machine, not the peer's doing.
      return new RelayError('RELAY_CLOSED', `native relay refused the request (${code})`);
  }
}
