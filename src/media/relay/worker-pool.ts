// The media relay's JS worker threads, seen from the main thread: spawning
// them, one request/reply channel per worker, and the choice of the least
// loaded worker for a new call. MediaRelay (media-relay.ts) owns the calls;
// this file owns only the workers and the messages to and from them.
//
// A worker that exits or fails is dead: its pending requests reject with
// RELAY_CLOSED at once, later requests to it too, and it is never chosen
// again. Its calls lost their media; the worker's own 'inactive' notices
// (or the B2BUA's BYE) end them.

import { Worker, type TransferListItem } from 'node:worker_threads';
import type { ControlRequest, DtmfNotice, WorkerMessage, WorkerSettings } from './control-messages.ts';
import { RelayError } from './relay-error.ts';

export interface WorkerSlot {
  readonly worker: Worker;
  /** Settles when the worker has loaded its code. */
  readonly ready: Promise<void>;
  /** Calls placed on this worker and not deleted yet. */
  calls: number;
  /** The worker exited or failed: its calls are gone and requests fail at once. */
  dead: boolean;
  readonly pending: Map<number, { resolve: (v: unknown) => void; reject: (e: RelayError) => void }>;
}

/** What the workers report unasked; MediaRelay routes each to its listeners. */
export interface WorkerNotices {
  dtmf(notice: DtmfNotice): void;
  inactive(callId: string, idleMs: number): void;
  playEnded(playId: number, reason: 'finished' | 'stopped'): void;
}

export class RelayWorkerPool {
  private readonly slots: WorkerSlot[];
  private nextRequestId = 1;
  private closed = false;

  constructor(
    workerCount: number,
    settings: WorkerSettings,
    private readonly notices: WorkerNotices,
  ) {
    this.slots = Array.from({ length: workerCount }, () => this.spawn(settings));
  }

  /** Resolves once every worker has loaded its code; rejects if one fails to start. */
  ready(): Promise<void> {
    return Promise.all(this.slots.map((s) => s.ready)).then(() => {});
  }

  /** The live worker with the fewest calls, counted as holding one more. */
  pick(): WorkerSlot {
    let best: WorkerSlot | undefined;
    for (const s of this.slots) if (!s.dead && (!best || s.calls < best.calls)) best = s;
    if (!best) throw new RelayError('RELAY_CLOSED', 'no media worker is running');
    best.calls++;
    return best;
  }

  /** A call left `slot` (deleted, or never placed). */
  release(slot: WorkerSlot): void {
    slot.calls--;
  }

  /** Sends `request` to the worker; settles with its reply. */
  request<T = void>(slot: WorkerSlot | undefined, request: ControlRequest, transfer: readonly TransferListItem[] = []): Promise<T> {
    if (this.closed || !slot || slot.dead) return Promise.reject(new RelayError('RELAY_CLOSED', 'media relay is closed or its worker stopped'));
    const id = this.nextRequestId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      slot.worker.postMessage({ id, request }, [...transfer]);
    });
  }

  /** Sends `request` to every live worker; settles with all their replies. */
  requestAll(request: ControlRequest): Promise<void> {
    return Promise.all(this.slots.filter((s) => !s.dead).map((s) => this.request(s, request))).then(() => {});
  }

  /** Per worker, milliseconds its event loop has been busy since start, and that as a share of its life. */
  load(): { activeMs: number; utilization: number }[] {
    return this.slots.map((s) => {
      const elu = s.worker.performance.eventLoopUtilization();
      return { activeMs: elu.active, utilization: elu.utilization };
    });
  }

  /** Refuses further requests and stops every worker. */
  async terminate(): Promise<void> {
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }

  private spawn(settings: WorkerSettings): WorkerSlot {
    const worker = new Worker(new URL('./worker-boot.mjs', import.meta.url), { workerData: { settings } });
    let markReady: () => void = () => {};
    const ready = new Promise<void>((resolve, reject) => {
      markReady = resolve;
      worker.once('error', (e) => reject(new RelayError('RELAY_CLOSED', `media worker failed to start: ${e.message}`)));
    });
    ready.catch(() => {});
    const slot: WorkerSlot = { worker, ready, calls: 0, dead: false, pending: new Map() };
    worker.on('message', (m: WorkerMessage) => (m.kind === 'ready' ? markReady() : this.onMessage(slot, m)));
    worker.on('error', () => this.fail(slot));
    worker.on('exit', () => this.fail(slot));
    return slot;
  }

  private fail(slot: WorkerSlot): void {
    slot.dead = true;
    for (const p of slot.pending.values()) p.reject(new RelayError('RELAY_CLOSED', 'media worker stopped'));
    slot.pending.clear();
  }

  private onMessage(slot: WorkerSlot, m: WorkerMessage): void {
    switch (m.kind) {
      case 'ready':
        return;
      case 'reply': {
        const p = slot.pending.get(m.id);
        slot.pending.delete(m.id);
        if (!p) return;
        if (m.ok) p.resolve(m.value);
        else p.reject(new RelayError(m.code, m.message));
        return;
      }
      case 'dtmf':
        this.notices.dtmf(m.notice);
        return;
      case 'inactive':
        this.notices.inactive(m.callId, m.idleMs);
        return;
      case 'play-ended':
        this.notices.playEnded(m.playId, m.reason);
        return;
    }
  }
}
