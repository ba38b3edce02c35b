// Running an engine's command-line decoder as a child process: input on
// stdin, output collected from stdout, killed (with everything it started)
// when the job's signal fires, CPU time reported. Shared by every CLI-based
// engine so the process handling is written and tested once.

import { spawn } from 'node:child_process';
import { TranscribeError } from './errors.ts';

export interface ChildRunOptions {
  readonly cwd: string;
  readonly stdin?: Buffer;
  readonly signal: AbortSignal;
  /** Output beyond this is not a transcript: the child is killed. */
  readonly maxStdout?: number;
  /** Said in the error when the binary is missing. */
  readonly installHint: string;
}

export interface ChildRun {
  readonly stdout: string;
  /** The child's CPU time (user + system, all its processes), when the shell reported it. */
  readonly cpuMs: number | undefined;
}

/** The last line of `times`: children's user and system time, e.g. "0m1.23s 0m0.45s". */
export function parseChildCpuMs(timesOutput: string): number | undefined {
  const lines = timesOutput.trim().split('\n');
  const m = /^(\d+)m([\d.]+)s\s+(\d+)m([\d.]+)s$/.exec(lines[lines.length - 1]?.trim() ?? '');
  if (!m) return undefined;
  return Math.round((Number(m[1]) * 60 + Number(m[2]) + Number(m[3]) * 60 + Number(m[4])) * 1000);
}

/**
 * Runs `binary args` under sh. Why a shell: Node gives a child a socket,
 * not a pipe, as stdin, and a decoder that fopen()s "/dev/stdin" fails on a
 * socket (ENXIO); `cat` relays it into a real pipe. The shell's `times`
 * then reports the children's CPU time, which gives a real-time factor that
 * other load on the box does not inflate. The shell leads its own process
 * group, so a timeout kills the decoder and the relay together.
 */
export function runChild(binary: string, args: readonly string[], opts: ChildRunOptions): Promise<ChildRun> {
  const maxStdout = opts.maxStdout ?? 4 * 1024 * 1024;
  const script = opts.stdin ? 'cat | "$0" "$@"; s=$?; times >&2; exit $s' : '"$0" "$@" </dev/null; s=$?; times >&2; exit $s';
  return new Promise<ChildRun>((resolve, reject) => {
    if (opts.signal.aborted) return reject(opts.signal.reason);
    const child = spawn('sh', ['-c', script, binary, ...args], { cwd: opts.cwd, stdio: ['pipe', 'pipe', 'pipe'], detached: true });
    const chunks: Buffer[] = [];
    let size = 0;
    // Only the tail is kept: that is where `times` writes. It is parsed, never logged.
    let stderr = '';
    const killGroup = (): void => {
      try {
        if (child.pid !== undefined) process.kill(-child.pid, 'SIGKILL');
      } catch {
        // already gone
      }
    };
    opts.signal.addEventListener('abort', killGroup, { once: true });
    child.stdout.on('data', (c: Buffer) => {
      size += c.length;
      if (size > maxStdout) killGroup();
      else chunks.push(c);
    });
    child.stderr.on('data', (c: Buffer) => { stderr = (stderr + c.toString('utf8')).slice(-512); });
    // The decoder may exit before reading all input (a bad model path): EPIPE is expected then.
    child.stdin.on('error', () => {});
    child.on('error', (e: NodeJS.ErrnoException) => {
      opts.signal.removeEventListener('abort', killGroup);
      reject(new TranscribeError('ENGINE_FAILED', `could not start the decoder (${e.code ?? 'error'})`));
    });
    child.on('close', (code, sig) => {
      opts.signal.removeEventListener('abort', killGroup);
      if (opts.signal.aborted) return reject(opts.signal.reason);
      // 127 and 126: the shell could not find or run the binary.
      if (code === 127 || code === 126) {
        return reject(new TranscribeError('ENGINE_UNAVAILABLE', `decoder ${binary} not found; install with: ${opts.installHint}`));
      }
      if (size > maxStdout) return reject(new TranscribeError('ENGINE_FAILED', 'decoder output too large'));
      if (code !== 0) return reject(new TranscribeError('ENGINE_FAILED', `decoder exited with ${code ?? sig}`));
      resolve({ stdout: Buffer.concat(chunks).toString('utf8'), cpuMs: parseChildCpuMs(stderr) });
    });
    child.stdin.end(opts.stdin ?? Buffer.alloc(0));
  });
}
