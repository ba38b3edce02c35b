// Where the server's log lines go: standard output (journald, a container
// runtime, a terminal), written once per event-loop turn.
//
// pino's own destination writes each line with its own write(2). Standard
// output is usually a pipe, and every write to a pipe also wakes its reader:
// through a pipe a line cost ~13 µs of CPU against ~4.5 µs when lines go out
// together (bench run on this machine, 2026-11). A call logs three lines, and
// under load many calls' lines fall in the same turn. So lines are gathered
// and written together when the turn's other work is done (setImmediate):
// at idle a line still leaves at once; nothing waits on a timer.
//
// A reader that falls behind must not stall calls: when the pipe is full
// (EAGAIN) the rest waits for the next try, up to a bound; past it, lines are
// dropped and counted, and the count is logged once the pipe drains. Whatever
// is pending when the process exits (a crash included: 'exit' runs after an
// uncaught exception) is written synchronously then, waiting a little for a
// full pipe to drain.
import { writeSync } from 'node:fs';

/** Writes bytes to the descriptor; returns how many it took (fewer on a full pipe). */
export type FdWriter = (bytes: Buffer) => number;

export interface TurnBatchedOptions {
  /** Where bytes go; fs.writeSync on `fd` by default. */
  readonly write?: FdWriter;
  /** Pending bytes beyond which new lines are dropped (a reader gone or stuck). */
  readonly maxPendingBytes?: number;
  /** How soon to try again after a full pipe. */
  readonly retryMs?: number;
}

const DEFAULT_MAX_PENDING = 8 * 1024 * 1024;
const DEFAULT_RETRY_MS = 20;

/** A pino destination (it needs only `write(line)`). */
export class TurnBatchedDestination {
  private readonly writeBytes: FdWriter;
  private readonly maxPending: number;
  private readonly retryMs: number;
  /** Lines of this turn, not yet encoded. */
  private text = '';
  /** Bytes a full pipe did not take yet; written before `text`. */
  private backlog: Buffer | undefined;
  private pendingBytes = 0;
  private scheduled = false;
  private dropped = 0;
  /** The descriptor failed for good (EPIPE: the reader is gone): lines go nowhere. */
  private broken = false;
  /** Bound once: a closure per turn would be garbage per turn. */
  private readonly onTurnEnd = (): void => {
    this.scheduled = false;
    this.flush();
  };

  constructor(fd: number, options: TurnBatchedOptions = {}) {
    this.writeBytes = options.write ?? ((bytes) => writeSync(fd, bytes));
    this.maxPending = options.maxPendingBytes ?? DEFAULT_MAX_PENDING;
    this.retryMs = options.retryMs ?? DEFAULT_RETRY_MS;
  }

  write(line: string): boolean {
    if (this.broken) return false;
    // Byte length only matters near the bound; string length bounds it from below (UTF-16 units ≤ UTF-8 bytes).
    if (this.pendingBytes + line.length > this.maxPending) {
      this.dropped++;
      return false;
    }
    this.text += line;
    this.pendingBytes += line.length;
    if (!this.scheduled) {
      this.scheduled = true;
      setImmediate(this.onTurnEnd);
    }
    return true;
  }

  /**
   * At exit: what is pending, waiting out a full pipe (standard output
   * turns non-blocking once process.stdout is touched) for up to
   * `patienceMs`; a crash's last lines matter more than a prompt exit.
   */
  flushAtExit(patienceMs = 2000): void {
    const pause = new Int32Array(new SharedArrayBuffer(4));
    const until = Date.now() + patienceMs;
    for (;;) {
      this.flush();
      if (this.backlog === undefined || this.broken || Date.now() >= until) return;
      Atomics.wait(pause, 0, 0, 5);
    }
  }

  /** Writes what is pending now, as far as the descriptor takes it. */
  flush(): void {
    if (this.dropped > 0 && this.backlog === undefined) {
      // pino's shape, so log readers parse it as one of its lines (level 40: warn).
      this.text += `{"level":40,"time":${Date.now()},"app":"sotto","event":"log.dropped","count":${this.dropped},"msg":"log lines dropped: the log reader fell behind"}\n`;
      this.dropped = 0;
    }
    if (this.text !== '') {
      const fresh = Buffer.from(this.text, 'utf8');
      this.text = '';
      this.backlog = this.backlog ? Buffer.concat([this.backlog, fresh]) : fresh;
    }
    const bytes = this.backlog;
    if (!bytes) return;
    let sent = 0;
    try {
      while (sent < bytes.length) {
        const n = this.writeBytes(sent === 0 ? bytes : bytes.subarray(sent));
        if (n <= 0) break;
        sent += n;
      }
    } catch (e) {
      const code = (e as NodeJS.ErrnoException).code;
      if (code !== 'EAGAIN' && code !== 'EWOULDBLOCK') {
        // The reader is gone (EPIPE) or the descriptor broke: nothing more can be written; stop trying.
        this.broken = true;
        this.backlog = undefined;
        this.pendingBytes = 0;
        return;
      }
    }
    this.backlog = sent < bytes.length ? bytes.subarray(sent) : undefined;
    this.pendingBytes = this.backlog?.length ?? 0;
    if (this.backlog && !this.scheduled) {
      this.scheduled = true;
      setTimeout(this.onTurnEnd, this.retryMs).unref();
    }
  }
}

/** The server's standard output, flushed at exit too. */
export function stdoutLogDestination(): TurnBatchedDestination {
  const destination = new TurnBatchedDestination(1);
  process.on('exit', () => destination.flushAtExit());
  return destination;
}
