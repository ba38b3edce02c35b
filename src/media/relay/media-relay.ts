// The media relay's control API, on the main (signalling) thread. The
// B2BUA calls it the way it would call a dedicated relay (rtpengine's ng
// protocol has the same verbs: offer, answer, delete, play media, start
// recording, start forwarding, statistics), so one could replace the other.
//
// Calls are spread over worker threads (one per core by default); a call's
// legs all live on one worker, so relaying never crosses threads. Ports come
// from one pool here, so workers never race for them.

import { randomBytes } from 'node:crypto';
import { availableParallelism } from 'node:os';
import { MessageChannel, Worker, type TransferListItem } from 'node:worker_threads';
import { decodeG711 } from '../codecs/g711.ts';
import type { LatchPolicy } from '../rtp/peer-latch.ts';
import type { G711Codec } from '../sdp/offer-answer.ts';
import { serializeSdp } from '../sdp/session-description.ts';
import { bytesToPcm16, parseWav } from '../wav.ts';
import type { RecordingPortMessage } from './call-recorder.ts';
import type { CallStats, ControlRequest, DtmfNotice, ReplyEnvelope, WorkerMessage, WorkerSettings } from './control-messages.ts';
import { RtpPortPool, type PortRange } from './port-pool.ts';
import { RelayError } from './relay-error.ts';
import {
  answerLocally,
  bridgeAnswer,
  bridgeOffer,
  parseOfferSdp,
  SdpIdentityCounter,
  type AnswerOptions,
  type Exchange,
  type OfferOptions,
} from './sdp-bridge.ts';

export interface MediaRelayOptions {
  /** Local address media sockets bind to. */
  readonly bindAddress: string;
  /** Address written into SDP (a public address in front of a NAT); default bindAddress. */
  readonly advertisedAddress?: string;
  readonly portRange: PortRange;
  /** Worker threads; default one per core. */
  readonly workers?: number;
  /** No RTP from either leg for this long raises onInactive; default 60 s. */
  readonly inactivityTimeoutMs?: number;
  /** SO_RCVBUF asked for each media socket; default 2 MiB (the OS may grant less, see stats). */
  readonly recvBufferSize?: number;
  readonly sendBufferSize?: number;
  readonly rtcpIntervalMs?: number;
}

export type PlaySource =
  /** A WAV file's bytes: 8 kHz mono, PCM16 or G.711. */
  | { readonly wav: Uint8Array }
  /** 8 kHz mono samples. */
  | { readonly pcm: Int16Array };

export interface PlaybackHandle {
  /** Settles when the prompt has been sent in full, or was stopped or replaced. */
  readonly done: Promise<'finished' | 'stopped'>;
  stop(): Promise<void>;
}

export interface RecordedFrame {
  /** Frame number from the start of the recording; frames arrive in this order. */
  readonly index: number;
  /** 20 ms of 8 kHz PCM16. */
  readonly pcm: Int16Array;
  /** Received audio, concealment of a loss, or silence (nothing received). */
  readonly kind: 'audio' | 'concealed' | 'silence';
}

export interface RecordingSink {
  frame(frame: RecordedFrame): void;
  /** After the last frame: the recording was stopped or its call deleted. */
  end?(): void;
}

export interface RecordingHandle {
  stop(): Promise<void>;
}

export interface ForkHandle {
  stop(): Promise<void>;
}

interface WorkerSlot {
  readonly worker: Worker;
  /** Settles when the worker has loaded its code. */
  readonly ready: Promise<void>;
  calls: number;
  /** The worker exited or failed: its calls are gone and requests fail at once. */
  dead: boolean;
  readonly pending: Map<number, { resolve: (v: unknown) => void; reject: (e: RelayError) => void }>;
}

interface CallRecord {
  readonly slot: WorkerSlot;
  /** Leg id -> its even RTP port. */
  readonly ports: Map<string, number>;
  readonly identity: SdpIdentityCounter;
  /** Per leg, the SRTP key the relay uses toward it when it is the offerer (stable across re-offers). */
  readonly offererKeys: Map<string, Buffer>;
  exchange?: { readonly exchange: Exchange; readonly peerLegId?: string };
  /** The other leg of each leg, once paired. */
  readonly peers: Map<string, string>;
}

const BIND_ATTEMPTS = 8;

export class MediaRelay {
  private readonly slots: WorkerSlot[];
  private readonly pool: RtpPortPool;
  private readonly calls = new Map<string, CallRecord>();
  private readonly dtmfListeners = new Map<string, Set<(notice: DtmfNotice) => void>>();
  private readonly inactiveListeners = new Set<(callId: string, idleMs: number) => void>();
  private readonly playbacks = new Map<number, (reason: 'finished' | 'stopped') => void>();
  private nextId = 1;
  private closed = false;

  private constructor(
    private readonly options: MediaRelayOptions,
    workerCount: number,
  ) {
    this.pool = new RtpPortPool(options.portRange);
    const settings: WorkerSettings = {
      recvBufferSize: options.recvBufferSize ?? 2 * 1024 * 1024,
      sendBufferSize: options.sendBufferSize ?? 1024 * 1024,
      inactivityTimeoutMs: options.inactivityTimeoutMs ?? 60_000,
      rtcpIntervalMs: options.rtcpIntervalMs ?? 5_000,
      cname: `sotto-${randomBytes(6).toString('hex')}`,
    };
    this.slots = Array.from({ length: workerCount }, () => this.spawn(settings));
  }

  /** Starts the workers; resolves once every worker is running. */
  static async start(options: MediaRelayOptions): Promise<MediaRelay> {
    const relay = new MediaRelay(options, Math.max(1, options.workers ?? availableParallelism()));
    try {
      await Promise.all(relay.slots.map((s) => s.ready));
    } catch (e) {
      await Promise.all(relay.slots.map((s) => s.worker.terminate()));
      throw e;
    }
    return relay;
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
    worker.on('message', (m: WorkerMessage) => (m.kind === 'ready' ? markReady() : this.onWorkerMessage(slot, m)));
    worker.on('error', () => this.failSlot(slot));
    worker.on('exit', () => this.failSlot(slot));
    return slot;
  }

  private failSlot(slot: WorkerSlot): void {
    slot.dead = true;
    for (const p of slot.pending.values()) p.reject(new RelayError('RELAY_CLOSED', 'media worker stopped'));
    slot.pending.clear();
  }

  private onWorkerMessage(slot: WorkerSlot, m: WorkerMessage): void {
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
        for (const cb of this.dtmfListeners.get(m.notice.callId) ?? []) cb(m.notice);
        return;
      case 'inactive':
        for (const cb of this.inactiveListeners) cb(m.callId, m.idleMs);
        return;
      case 'play-ended':
        this.playbacks.get(m.playId)?.(m.reason);
        this.playbacks.delete(m.playId);
        return;
    }
  }

  private request<T = void>(slot: WorkerSlot, request: ControlRequest, transfer: readonly TransferListItem[] = []): Promise<T> {
    if (this.closed || slot.dead) return Promise.reject(new RelayError('RELAY_CLOSED', 'media relay is closed or its worker stopped'));
    const id = this.nextId++;
    return new Promise<T>((resolve, reject) => {
      slot.pending.set(id, { resolve: resolve as (v: unknown) => void, reject });
      slot.worker.postMessage({ id, request }, [...transfer]);
    });
  }

  private call(callId: string): CallRecord {
    const c = this.calls.get(callId);
    if (!c) throw new RelayError('RELAY_UNKNOWN_CALL', 'no such call');
    return c;
  }

  private get advertised(): string {
    return this.options.advertisedAddress ?? this.options.bindAddress;
  }

  /** Allocates and binds an even/odd port pair for a leg, skipping ports another program holds. */
  private async bindLeg(callId: string, record: CallRecord, legId: string): Promise<number> {
    const existing = record.ports.get(legId);
    if (existing !== undefined) return existing;
    let lastError: RelayError | undefined;
    for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
      const port = this.pool.allocate();
      if (!port.ok) throw new RelayError('RELAY_PORTS_EXHAUSTED', port.error.message);
      try {
        await this.request(record.slot, { op: 'bind', callId, legId, address: this.options.bindAddress, port: port.value });
        record.ports.set(legId, port.value);
        return port.value;
      } catch (e) {
        this.pool.release(port.value);
        if (!(e instanceof RelayError) || e.code !== 'RELAY_BIND_FAILED') throw e;
        lastError = e;
      }
    }
    throw lastError ?? new RelayError('RELAY_BIND_FAILED', 'cannot bind media ports');
  }

  /**
   * An SDP offer arrived from `legId`'s phone. Returns the offer to send on
   * to the other party, naming Sotto's address and the port facing it.
   * `peerLegId` names the other leg up front; otherwise answer() names it.
   */
  async offer(callId: string, legId: string, sdp: string, options: OfferOptions & { peerLegId?: string } = {}): Promise<string> {
    const parsed = parseOfferSdp(sdp);
    const record = this.calls.get(callId) ?? this.newCall(callId);
    const peerLegId = options.peerLegId ?? record.peers.get(legId);
    try {
      await this.bindLeg(callId, record, legId);
      // The port facing the answerer: the known peer leg's, or a fresh pair for a leg not named yet.
      const towardPeer = peerLegId !== undefined ? await this.bindLeg(callId, record, peerLegId) : await this.bindLeg(callId, record, pendingLegId(legId));
      const exchange = bridgeOffer(legId, parsed, { address: this.advertised, port: towardPeer }, record.identity, options);
      record.exchange = { exchange, ...(peerLegId !== undefined ? { peerLegId } : {}) };
      return serializeSdp(exchange.offerToPeer);
    } catch (e) {
      if (record.peers.size === 0 && !record.exchange) await this.delete(callId);
      throw e;
    }
  }

  /** The answer arrived from `legId`'s phone. Returns the answer for the offerer, naming the port facing it. */
  async answer(callId: string, legId: string, sdp: string, options: AnswerOptions = {}): Promise<string> {
    const record = this.call(callId);
    const pending = record.exchange;
    if (!pending) throw new RelayError('RELAY_NO_PENDING_OFFER', 'answer without an offer');
    const { exchange } = pending;
    if (pending.peerLegId !== undefined && pending.peerLegId !== legId) throw new RelayError('RELAY_UNKNOWN_LEG', 'answer from a leg the offer was not sent to');
    if (pending.peerLegId === undefined) await this.adoptPendingLeg(callId, record, exchange.offererLegId, legId);
    const offererPort = record.ports.get(exchange.offererLegId)!;
    let key = record.offererKeys.get(exchange.offererLegId);
    if (!key) {
      key = randomBytes(30);
      record.offererKeys.set(exchange.offererLegId, key);
    }
    const bridged = bridgeAnswer(exchange, sdp, { address: this.advertised, port: offererPort }, record.identity, key, options);
    await this.request(record.slot, { op: 'configure', callId, legId: exchange.offererLegId, peerLegId: legId, config: bridged.offererLeg });
    await this.request(record.slot, { op: 'configure', callId, legId, peerLegId: exchange.offererLegId, config: bridged.answererLeg });
    record.peers.set(exchange.offererLegId, legId);
    record.peers.set(legId, exchange.offererLegId);
    // Kept, so a later answer from the same leg (183 early media, then 200 with new SDP) updates it.
    record.exchange = { exchange, peerLegId: legId };
    return bridged.answerToOfferer;
  }

  /**
   * Sotto itself answers the offer from `legId`'s phone (voicemail, an
   * announcement): the leg ends at the relay, and play/record/onDtmf work
   * on it. Returns the answer for the phone.
   */
  async answerOffer(callId: string, legId: string, sdp: string, options: AnswerOptions & { codecs?: readonly G711Codec[]; latch?: LatchPolicy } = {}): Promise<string> {
    const offer = parseOfferSdp(sdp);
    const isNew = !this.calls.has(callId);
    const record = isNew ? this.newCall(callId) : this.call(callId);
    try {
      const port = await this.bindLeg(callId, record, legId);
      let key = record.offererKeys.get(legId);
      if (!key) {
        key = randomBytes(30);
        record.offererKeys.set(legId, key);
      }
      const local = answerLocally(offer, { address: this.advertised, port }, record.identity, key, options);
      await this.request(record.slot, { op: 'configure', callId, legId, config: local.leg });
      return local.answer;
    } catch (e) {
      if (isNew) await this.delete(callId);
      throw e;
    }
  }

  private newCall(callId: string): CallRecord {
    const live = this.slots.filter((s) => !s.dead);
    if (live.length === 0) throw new RelayError('RELAY_CLOSED', 'no media worker is running');
    const slot = live.reduce((a, b) => (b.calls < a.calls ? b : a));
    const record: CallRecord = { slot, ports: new Map(), identity: new SdpIdentityCounter(), offererKeys: new Map(), peers: new Map() };
    slot.calls++;
    this.calls.set(callId, record);
    return record;
  }

  /** The leg bound at offer time under a placeholder id becomes `legId`. */
  private async adoptPendingLeg(callId: string, record: CallRecord, offererLegId: string, legId: string): Promise<void> {
    const placeholder = pendingLegId(offererLegId);
    const port = record.ports.get(placeholder);
    if (port === undefined || record.ports.has(legId)) return;
    record.ports.delete(placeholder);
    record.ports.set(legId, port);
    await this.request(record.slot, { op: 'rename-leg', callId, from: placeholder, to: legId });
  }

  /** Ends the call: closes its sockets, stops its players and recorders, frees its ports. */
  async delete(callId: string): Promise<void> {
    const record = this.calls.get(callId);
    if (!record) return;
    this.calls.delete(callId);
    record.slot.calls--;
    this.dtmfListeners.delete(callId);
    try {
      await this.request(record.slot, { op: 'delete', callId });
    } finally {
      // Freed only once the worker closed the sockets, so a new call cannot fail to bind them.
      for (const port of record.ports.values()) this.pool.release(port);
    }
  }

  /** Plays audio to `legId`'s phone (a greeting, a prompt). The other phone's audio to it pauses meanwhile. */
  async play(callId: string, legId: string, source: PlaySource, options: { loop?: boolean } = {}): Promise<PlaybackHandle> {
    const record = this.call(callId);
    const pcm = toPcm(source);
    const playId = this.nextId++;
    const done = new Promise<'finished' | 'stopped'>((resolve) => this.playbacks.set(playId, resolve));
    try {
      await this.request(record.slot, { op: 'play', callId, legId, playId, pcm, loop: options.loop ?? false });
    } catch (e) {
      this.playbacks.delete(playId);
      throw e;
    }
    return { done, stop: () => this.request(record.slot, { op: 'stop-play', callId, playId }) };
  }

  /**
   * Records what `source` (a leg's phone, or both mixed) sends, as decoded
   * 8 kHz frames in order through a jitter buffer.
   */
  async record(callId: string, source: string | 'mix', sink: RecordingSink): Promise<RecordingHandle> {
    const record = this.call(callId);
    const recordId = this.nextId++;
    const { port1, port2 } = new MessageChannel();
    port1.on('message', (m: RecordingPortMessage) => {
      if (m.type === 'frame') sink.frame({ index: m.index, pcm: m.pcm, kind: m.kind });
      else {
        port1.close();
        sink.end?.();
      }
    });
    try {
      await this.request(record.slot, { op: 'record', callId, source, recordId, port: port2 }, [port2]);
    } catch (e) {
      port1.close();
      throw e;
    }
    return { stop: () => this.request(record.slot, { op: 'stop-record', callId, recordId }) };
  }

  /** Sends a copy of the plain (decrypted) RTP `legId`'s phone sends to a UDP address (an external recorder or analyser). */
  async fork(callId: string, legId: string, target: { address: string; port: number }): Promise<ForkHandle> {
    const record = this.call(callId);
    const forkId = this.nextId++;
    await this.request(record.slot, { op: 'fork', callId, legId, forkId, address: target.address, port: target.port });
    return { stop: () => this.request(record.slot, { op: 'stop-fork', callId, forkId }) };
  }

  /**
   * Reports each key pressed on either leg, once: RFC 4733 events always,
   * in-band tones (on legs without telephone-event) when `inband` is set.
   */
  onDtmf(callId: string, listener: (notice: DtmfNotice) => void, options: { inband?: boolean } = {}): () => void {
    const record = this.call(callId);
    let set = this.dtmfListeners.get(callId);
    if (!set) this.dtmfListeners.set(callId, (set = new Set()));
    set.add(listener);
    if (options.inband) void this.request(record.slot, { op: 'dtmf', callId, inband: true }).catch(() => {});
    return () => set.delete(listener);
  }

  /** A call had no RTP from either leg for the configured time (reported once until RTP flows again). */
  onInactive(listener: (callId: string, idleMs: number) => void): () => void {
    this.inactiveListeners.add(listener);
    return () => this.inactiveListeners.delete(listener);
  }

  async stats(callId: string): Promise<CallStats> {
    const record = this.call(callId);
    return this.request<CallStats>(record.slot, { op: 'stats', callId });
  }

  /** Port pairs in use and in the range. */
  get ports(): { inUse: number; capacity: number } {
    return { inUse: this.pool.inUse, capacity: this.pool.capacity };
  }

  /** Per worker, milliseconds its event loop has been busy since start, and that as a share of its life (benchmarks, health). */
  workerLoad(): { activeMs: number; utilization: number }[] {
    return this.slots.map((s) => {
      const elu = s.worker.performance.eventLoopUtilization();
      return { activeMs: elu.active, utilization: elu.utilization };
    });
  }

  async close(): Promise<void> {
    for (const callId of [...this.calls.keys()]) await this.delete(callId).catch(() => {});
    this.closed = true;
    await Promise.all(this.slots.map((s) => s.worker.terminate()));
  }
}

function pendingLegId(offererLegId: string): string {
  return `\u0000pending:${offererLegId}`;
}

function toPcm(source: PlaySource): Int16Array {
  if ('pcm' in source) return source.pcm;
  const wav = parseWav(source.wav);
  if (!wav.ok) throw new RelayError('RELAY_UNSUPPORTED_AUDIO', `not a WAV file (${wav.error.code})`);
  const { encoding, sampleRate, channels, data } = wav.value;
  if (sampleRate !== 8000 || channels !== 1) throw new RelayError('RELAY_UNSUPPORTED_AUDIO', 'prompts must be 8 kHz mono');
  if (encoding === 'pcm16') return bytesToPcm16(data);
  return decodeG711(encoding === 'ulaw' ? 'pcmu' : 'pcma', data);
}
