// A peer process owned by a test: its output is kept (bounded) so a failure
// can show it, a line can be awaited with a deadline, and it is always ended,
// by the test or, failing that, when the test process exits.
import { spawn, type ChildProcess, type SpawnOptions } from 'node:child_process';

/** Output kept per stream; older text is dropped first. */
const MAX_KEPT_CHARS = 256 * 1024;

export class PeerTimeoutError extends Error {
  readonly code = 'PEER_TIMEOUT';
  constructor(what: string, ms: number, output: string) {
    super(`${what}: nothing after ${ms} ms\n--- peer output (tail) ---\n${output.slice(-4000)}`);
  }
}

export class PeerExitedError extends Error {
  readonly code = 'PEER_EXITED';
  constructor(what: string, exit: number | null, signal: string | null, output: string) {
    super(`${what}: peer exited (code ${exit}, signal ${signal})\n--- peer output (tail) ---\n${output.slice(-4000)}`);
  }
}

const live = new Set<ChildProcess>();
let exitHookInstalled = false;

function installExitHook(): void {
  if (exitHookInstalled) return;
  exitHookInstalled = true;
  // A crashed or interrupted test must not leave a SIP server on a port.
  process.once('exit', () => {
    for (const child of live) {
      if (child.pid !== undefined) killGroup(child.pid, 'SIGKILL');
    }
  });
}

function killGroup(pid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pid, signal);
  } catch {
    try {
      process.kill(pid, signal);
    } catch {
      // already gone
    }
  }
}

export interface ExitStatus {
  code: number | null;
  signal: NodeJS.Signals | null;
}

export class PeerProcess {
  readonly name: string;
  readonly child: ChildProcess;
  readonly exited: Promise<ExitStatus>;
  private out = '';
  /** Characters ever printed; `out` holds the last of them. */
  private produced = 0;
  private exitStatus: ExitStatus | undefined;
  private readonly listeners = new Set<() => void>();
  private readonly hardLimit: NodeJS.Timeout | undefined;

  /**
   * @param maxLifetimeMs the process is killed after this long whatever the
   *   test does, so a hung peer cannot outlive its test by much.
   */
  constructor(
    name: string,
    command: string,
    args: string[],
    options: SpawnOptions & {
      maxLifetimeMs?: number;
      /** Rewrites output as it arrives (e.g. removes colour codes) before it is kept and matched. */
      outputFilter?: (text: string) => string;
    } = {},
  ) {
    installExitHook();
    this.name = name;
    // Own process group, so stopping it also stops the peer's own children
    // (Kamailio forks its workers).
    const { maxLifetimeMs: _lifetime, outputFilter: _filter, ...spawnOptions } = options;
    this.child = spawn(command, args, { ...spawnOptions, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
    live.add(this.child);
    const onData = (chunk: Buffer): void => {
      const text = options.outputFilter ? options.outputFilter(chunk.toString('utf8')) : chunk.toString('utf8');
      this.out += text;
      this.produced += text.length;
      if (this.out.length > MAX_KEPT_CHARS) this.out = this.out.slice(-MAX_KEPT_CHARS / 2);
      for (const l of [...this.listeners]) l();
    };
    this.child.stdout?.on('data', onData);
    this.child.stderr?.on('data', onData);
    this.exited = new Promise((resolve) => {
      this.child.once('error', (err) => {
        this.out += `\n[spawn error: ${err.message}]\n`;
      });
      this.child.once('close', (code, signal) => {
        live.delete(this.child);
        if (this.hardLimit) clearTimeout(this.hardLimit);
        this.exitStatus = { code, signal };
        for (const l of [...this.listeners]) l();
        resolve(this.exitStatus);
      });
    });
    if (options.maxLifetimeMs !== undefined) {
      this.hardLimit = setTimeout(() => this.kill('SIGKILL'), options.maxLifetimeMs);
      this.hardLimit.unref();
    }
  }

  get pid(): number | undefined {
    return this.child.pid;
  }

  get output(): string {
    return this.out;
  }

  /** An offset for `waitForOutput` that only looks at what is printed next. */
  get outputMark(): number {
    return this.produced;
  }

  get hasExited(): boolean {
    return this.exitStatus !== undefined;
  }

  kill(signal: NodeJS.Signals): void {
    if (this.child.pid !== undefined && !this.hasExited) killGroup(this.child.pid, signal);
  }

  /**
   * Resolves with the first match of `pattern` in output printed from
   * `fromOffset` on; rejects when the process exits first or after `timeoutMs`.
   */
  waitForOutput(pattern: RegExp, timeoutMs: number, fromOffset = 0): Promise<RegExpMatchArray> {
    return new Promise((resolve, reject) => {
      const check = (): void => {
        const m = this.out.slice(Math.max(0, fromOffset - (this.produced - this.out.length))).match(pattern);
        if (m) return done(() => resolve(m));
        if (this.exitStatus) {
          const s = this.exitStatus;
          return done(() => reject(new PeerExitedError(`${this.name} waiting for ${pattern}`, s.code, s.signal, this.out)));
        }
      };
      const timer = setTimeout(() => done(() => reject(new PeerTimeoutError(`${this.name} waiting for ${pattern}`, timeoutMs, this.out))), timeoutMs);
      const done = (fn: () => void): void => {
        clearTimeout(timer);
        this.listeners.delete(check);
        fn();
      };
      this.listeners.add(check);
      check();
    });
  }

  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`. Resolves when gone. */
  async stop(signal: NodeJS.Signals = 'SIGTERM', graceMs = 3000): Promise<ExitStatus> {
    if (this.exitStatus) return this.exitStatus;
    this.kill(signal);
    const timer = setTimeout(() => this.kill('SIGKILL'), graceMs);
    const status = await this.exited;
    clearTimeout(timer);
    return status;
  }
}
