// The media relay's control API, on the main (signalling) thread. The
// B2BUA calls it the way it would call a dedicated relay (rtpengine's ng
// protocol has the same verbs: offer, answer, delete, play media, start
// recording, start forwarding, statistics), so one could replace the other.
//
// Two data planes carry the packets, chosen per call:
//   - native (native/relay/, a small C program driven over a pipe, see
//     native-plane.ts): plain RTP/AVP on both legs, the same codec and
//     payload types, nothing Sotto must hear or add. Packets pass
//     byte-exact, RTCP end to end. This is almost every call, and it costs
//     a few microseconds of CPU a packet instead of tens.
//   - JS worker threads (relay-worker.ts; one per core by default, a
//     call's legs all on one worker): SDES-SRTP, mu-law/A-law transcoding,
//     prompts, recording, forks, DTMF detection.
// The offer decides (nativeFitsOffer); the answer confirms (nativeFitsLegs).
// A call on the native plane that later needs a JS feature (a re-offer
// with SRTP or another codec, play, record, fork, onDtmf) is moved: the
// native plane closes its sockets, a worker binds the same ports, and
// each leg the native plane had latched is pinned to that same address
// (latch policy negotiated-only), so a move never reopens a latch. Callers
// that know up front may ask for the JS plane in the offer options.
// Ports come from one pool here, so planes and workers never race for them.
// The workers themselves (spawning, request/reply, least-loaded choice) are
// in worker-pool.ts.

import { availableParallelism } from 'node:os';
import { MessageChannel } from 'node:worker_threads';
import type { LatchPolicy } from '../rtp/peer-latch.ts';
import type { G711Codec } from '../sdp/offer-answer.ts';
import { serializeSdp, type SessionDescription } from '../sdp/session-description.ts';
import type { RecordingPortMessage } from './call-recorder.ts';
import type { CallStats, DtmfNotice, LegToConfigure } from './control-messages.ts';
import { bindLegs, type LegBinding } from './leg-binding.ts';
import { DtmfListeners } from './dtmf-listeners.ts';
import { NativeCalls } from './native-calls.ts';
import type { NativeDataPlane } from './native-plane.ts';
import { fitsNativeLegs, fitsNativeOffer, nativeCallStats, nativeLeg, pinFor, pinned } from './native-fit.ts';
import { createOwnOffer, readOwnAnswer } from './own-offer.ts';
import { RtpPortPool } from './port-pool.ts';
import { playSourcePcm, type ForkHandle, type MediaRelayOptions, type PlaybackHandle, type PlaySource, type RecordingHandle, type RecordingSink } from './relay-types.ts';
import { newCallRecord, offererKey, pendingLegId, type CallRecord } from './relay-call-record.ts';
import { RelayError } from './relay-error.ts';
import { planeSettings, workerSettings } from './relay-settings.ts';
import { advertisedToward, readdressed } from './sdp-address.ts';
import { RelayWorkerPool } from './worker-pool.ts';
import {
  answerLocally,
  bridgeAnswer,
  bridgeOffer,
  parseOfferSdp,
  type AnswerOptions,
  type OfferOptions,
} from './sdp-bridge.ts';

export type { ForkHandle, MediaRelayOptions, PlaybackHandle, PlaySource, RecordedFrame, RecordingHandle, RecordingSink } from './relay-types.ts';

export class MediaRelay {
  private readonly workers: RelayWorkerPool;
  private readonly pool: RtpPortPool;
  private readonly calls = new Map<string, CallRecord>();
  private readonly dtmf = new DtmfListeners();
  private readonly inactiveListeners = new Set<(callId: string, idleMs: number) => void>();
  private readonly playbacks = new Map<number, (reason: 'finished' | 'stopped') => void>();
  /** Ids of plays, recordings and forks. */
  private nextId = 1;
  private closed = false;
  private native: NativeCalls | undefined;
  private readonly binding: LegBinding;

  private constructor(
    private readonly options: MediaRelayOptions,
    workerCount: number,
  ) {
    this.pool = new RtpPortPool(options.portRange);
    this.workers = new RelayWorkerPool(workerCount, workerSettings(options), {
      dtmf: (notice) => this.dtmf.report(notice),
      inactive: (callId, idleMs) => this.inactiveListeners.forEach((cb) => cb(callId, idleMs)),
      playEnded: (playId, reason) => {
        this.playbacks.get(playId)?.(reason);
        this.playbacks.delete(playId);
      },
    });
    this.binding = {
      pool: this.pool,
      workers: this.workers,
      bindAddress: options.bindAddress,
      onPortHeld: options.onPortHeld,
      nativePlane: () => this.nativePlane(),
      unpark: (ports) => this.native?.unpark(ports) ?? Promise.resolve(),
      current: (callId, record) => this.calls.get(callId) === record,
    };
  }

  /** Starts the workers; resolves once every worker is running. */
  static async start(options: MediaRelayOptions): Promise<MediaRelay> {
    const relay = new MediaRelay(options, Math.max(1, options.workers ?? availableParallelism()));
    try {
      await relay.workers.ready();
      await relay.startNative();
    } catch (e) {
      await relay.workers.terminate();
      throw e;
    }
    return relay;
  }

  private async startNative(): Promise<void> {
    const o = this.options;
    this.native = await NativeCalls.start({
      wanted: o.dataPlane ?? 'auto',
      bindAddress: o.bindAddress,
      ...planeSettings(o),
      log: o.log ?? ((code: string) => process.stderr.write(`sotto media relay: native data plane unavailable (${code}); relaying on JS workers\n`)),
      onInactive: (callId, idleMs) => {
        for (const cb of this.inactiveListeners) cb(callId, idleMs);
      },
    });
  }

  /** 'native' when plain calls go to the native plane, else 'js'. */
  get dataPlane(): 'native' | 'js' {
    return this.native?.alive ? 'native' : 'js';
  }

  /** The native plane's process id (benchmarks read its CPU time), if it runs. */
  get nativePid(): number | undefined {
    return this.native?.pid;
  }

  private nativePlane(): NativeDataPlane {
    if (this.closed || !this.native) throw new RelayError('RELAY_CLOSED', 'media relay is closed');
    return this.native.running;
  }

  private call(callId: string): CallRecord {
    const c = this.calls.get(callId);
    if (!c) throw new RelayError('RELAY_UNKNOWN_CALL', 'no such call');
    return c;
  }

  private advertisedToward(peer: string | undefined, sdp: SessionDescription | undefined): string {
    return advertisedToward(this.options.advertisedAddress, this.options.bindAddress, peer, sdp);
  }

  /**
   * An SDP offer arrived from `legId`'s phone. Returns the offer to send on
   * to the other party, naming Sotto's address and the port facing it.
   * `peerLegId` names the other leg up front; otherwise answer() names it.
   */
  async offer(callId: string, legId: string, sdp: string, options: OfferOptions & { peerLegId?: string } = {}): Promise<string> {
    const parsed = parseOfferSdp(sdp);
    const native = this.native?.alive === true && fitsNativeOffer(parsed, options, this.options.bindAddress);
    const existing = this.calls.get(callId);
    await existing?.moving;
    const record = existing ?? this.newCall(callId, native);
    const peerLegId = options.peerLegId ?? record.peers.get(legId);
    try {
      if (existing && existing.native !== undefined && !native) await this.moveToJs(callId, existing);
      // The port facing the answerer: the known peer leg's, or a fresh pair for a leg not named yet.
      const towardPeerLeg = peerLegId ?? pendingLegId(legId);
      await bindLegs(this.binding, callId, record, [legId, towardPeerLeg]);
      const bridged = bridgeOffer(legId, parsed, { address: this.advertisedToward(options.toward, parsed), port: record.ports.get(towardPeerLeg)! }, record.origins.draft(), options);
      const exchange = { ...bridged, offerToPeer: record.origins.stamp(towardPeerLeg, bridged.offerToPeer) };
      const sent = serializeSdp(exchange.offerToPeer);
      record.exchange = { exchange, ...(peerLegId !== undefined ? { peerLegId } : {}) };
      record.lastOffer = { description: exchange.offerToPeer, sent };
      return sent;
    } catch (e) {
      // Only this record: a call deleted meanwhile may have given its id to a new one.
      if (record.peers.size === 0 && !record.exchange && this.calls.get(callId) === record) await this.delete(callId);
      throw e;
    }
  }

  /**
   * The offer offer() or ownOffer() just made, as another phone of a forked
   * call gets it: the same leg, port and keys (whichever phone answers, its
   * answer goes to answer() or takeAnswer() as usual), with our address
   * facing `toward`, that phone's IP. A phone on another network than the
   * first (a VPN, a second card) must be told an address it can reach (RFC
   * 3264 §6). With one advertised address, or a phone facing the same one,
   * it is that offer's very text.
   */
  offerToward(callId: string, toward: string): string {
    const last = this.call(callId).lastOffer;
    if (!last) throw new RelayError('RELAY_NO_PENDING_OFFER', 'no offer to address');
    const address = this.advertisedToward(toward, undefined);
    return address === last.description.origin.address ? last.sent : serializeSdp(readdressed(last.description, address));
  }

  /** The answer arrived from `legId`'s phone. Returns the answer for the offerer, naming the port facing it. */
  async answer(callId: string, legId: string, sdp: string, options: AnswerOptions = {}): Promise<string> {
    const record = this.call(callId);
    await record.moving;
    const pending = record.exchange;
    if (!pending) throw new RelayError('RELAY_NO_PENDING_OFFER', 'answer without an offer');
    const { exchange } = pending;
    const offerer = exchange.offererLegId;
    if (pending.peerLegId !== undefined && pending.peerLegId !== legId) throw new RelayError('RELAY_UNKNOWN_LEG', 'answer from a leg the offer was not sent to');
    // The leg bound at offer time under a placeholder id becomes `legId`.
    const placeholder = pendingLegId(offerer);
    const rename = pending.peerLegId === undefined && record.ports.has(placeholder) && !record.ports.has(legId) ? { from: placeholder, to: legId } : undefined;
    const bridged = bridgeAnswer(exchange, sdp, { address: this.advertisedToward(options.toward, exchange.offer), port: record.ports.get(offerer)! }, record.origins.draft(), () => offererKey(record, offerer), options);
    // The worker renames its leg in the configure request below; the native plane knows legs by port only.
    const renameOnWorker = record.native === undefined ? rename : undefined;
    if (rename) {
      record.ports.set(legId, record.ports.get(placeholder)!);
      record.ports.delete(placeholder);
      record.origins.rename(placeholder, legId);
    }
    // Moved under the settings its latches were made with; the new ones follow below.
    if (record.native !== undefined && !fitsNativeLegs(bridged.offererLeg, bridged.answererLeg, this.options.bindAddress)) await this.moveToJs(callId, record);
    record.configs.set(offerer, bridged.offererLeg);
    record.configs.set(legId, bridged.answererLeg);
    record.peers.set(offerer, legId);
    record.peers.set(legId, offerer);
    // Kept, so a later answer from the same leg (183 early media, then 200 with new SDP) updates it.
    record.exchange = { exchange, peerLegId: legId };
    await this.configureLegs(callId, record, [offerer, legId], renameOnWorker);
    // The same answer again (a 183's, then the 200's) keeps its o= version.
    return serializeSdp(record.origins.stamp(offerer, bridged.answerToOfferer));
  }

  /**
   * Sotto itself answers the offer from `legId`'s phone (voicemail, an
   * announcement): the leg ends at the relay, and play/record/onDtmf work
   * on it. Always on the JS plane.
   */
  async answerOffer(callId: string, legId: string, sdp: string, options: AnswerOptions & { codecs?: readonly G711Codec[]; latch?: LatchPolicy } = {}): Promise<string> {
    const offer = parseOfferSdp(sdp);
    const isNew = !this.calls.has(callId);
    const record = isNew ? this.newCall(callId, false) : this.call(callId);
    try {
      await this.moveToJs(callId, record);
      await bindLegs(this.binding, callId, record, [legId]);
      const local = answerLocally(offer, { address: this.advertisedToward(options.toward, offer), port: record.ports.get(legId)! }, record.origins.draft(), () => offererKey(record, legId), options);
      record.configs.set(legId, local.leg);
      await this.configureLegs(callId, record, [legId]);
      return serializeSdp(record.origins.stamp(legId, local.answer));
    } catch (e) {
      if (isNew) await this.delete(callId);
      throw e;
    }
  }

  /**
   * Sotto's own offer to `legId`'s phone, for an INVITE or re-INVITE without
   * one (own-offer.ts); the phone's answer (in its ACK) goes to takeAnswer().
   * `peerLegId`: the leg it will be relayed to; `srtp`: for a new leg
   * (default plain), a leg in use keeps what it has.
   */
  async ownOffer(callId: string, legId: string, options: { peerLegId?: string; srtp?: 'sdes' | 'plain'; toward?: string; dataPlane?: 'auto' | 'js' } = {}): Promise<string> {
    const existing = this.calls.get(callId);
    await existing?.moving;
    const record = existing ?? this.newCall(callId, this.native?.alive === true && options.srtp !== 'sdes' && options.dataPlane !== 'js');
    try {
      await bindLegs(this.binding, callId, record, [legId]);
      const current = record.configs.get(legId);
      const peerLegId = options.peerLegId ?? record.peers.get(legId);
      const peer = peerLegId !== undefined ? record.configs.get(peerLegId) : undefined;
      const srtp = current ? (current.srtp ? 'sdes' : 'plain') : (options.srtp ?? 'plain');
      const endpoint = { address: this.advertisedToward(options.toward, undefined), port: record.ports.get(legId)! };
      const own = createOwnOffer({ identity: record.origins.draft(), endpoint, ...(current ? { current } : {}), ...(peer ? { peer } : {}), srtp, newKey: () => offererKey(record, legId) });
      const offer = record.origins.stamp(legId, own.offer);
      const sent = serializeSdp(offer);
      record.ownOffers.set(legId, { offer, keys: own.keys, latch: current?.latch ?? 'latch-once', ...(peerLegId !== undefined ? { peerLegId } : {}) });
      record.lastOffer = { description: offer, sent };
      return sent;
    } catch (e) {
      if (!existing && this.calls.get(callId) === record) await this.delete(callId);
      throw e;
    }
  }

  /**
   * The answer to ownOffer() from `legId`'s phone: that leg's media from
   * now on, relayed to and from its peer once the peer has negotiated too.
   * RELAY_NEGOTIATION_FAILED (or RELAY_BAD_SDP) when it does not fit the offer.
   */
  async takeAnswer(callId: string, legId: string, sdp: string): Promise<void> {
    const record = this.call(callId);
    await record.moving;
    const pending = record.ownOffers.get(legId);
    if (!pending) throw new RelayError('RELAY_NO_PENDING_OFFER', 'answer without an offer');
    const config = readOwnAnswer(pending, sdp);
    record.ownOffers.delete(legId);
    const peerLegId = pending.peerLegId;
    const peer = peerLegId !== undefined ? record.configs.get(peerLegId) : undefined;
    // Two laws, SRTP or an address the native plane cannot take: the workers carry the call from here.
    if (record.native !== undefined && !fitsNativeLegs(config, peer ?? config, this.options.bindAddress)) await this.moveToJs(callId, record);
    record.configs.set(legId, config);
    if (peer === undefined || peerLegId === undefined) return this.configureLegs(callId, record, [legId]);
    record.peers.set(legId, peerLegId);
    record.peers.set(peerLegId, legId);
    await this.configureLegs(callId, record, [legId, peerLegId]);
  }

  private newCall(callId: string, native: boolean): CallRecord {
    const record = newCallRecord();
    if (native && this.native) record.native = this.native.add(callId);
    else record.slot = this.workers.pick();
    this.calls.set(callId, record);
    return record;
  }

  /** Sends the negotiated settings of `legIds` to the call's plane, in one request. */
  private async configureLegs(callId: string, record: CallRecord, legIds: readonly string[], rename?: { from: string; to: string }): Promise<void> {
    if (record.native !== undefined) {
      const legs = legIds.map((legId) => nativeLeg(record.ports.get(legId)!, record.configs.get(legId)!));
      await this.nativePlane().request({ op: 'configure', call: record.native, legs });
      return;
    }
    const legs: LegToConfigure[] = legIds.map((legId) => {
      const peerLegId = record.peers.get(legId);
      return { legId, config: pinned(record.pins, legId, record.configs.get(legId)!), ...(peerLegId !== undefined ? { peerLegId } : {}) };
    });
    await this.workers.request(record.slot, { op: 'configure', callId, legs, ...(rename ? { rename } : {}) });
  }

  /**
   * Moves a call from the native plane to a worker (see the top of this
   * file). Packets arriving during the move (a millisecond or so) are lost.
   */
  private moveToJs(callId: string, record: CallRecord): Promise<void> {
    if (record.native === undefined) return record.moving ?? Promise.resolve();
    const id = record.native;
    record.native = undefined;
    record.moving = (async () => {
      const plane = this.nativePlane();
      // The delete answers with each leg's last latch. No catch: a move that
      // cannot learn the latches fails (and the call with it) rather than
      // reopen them on the worker.
      const latched = await plane.request({ op: 'delete', call: id });
      this.native?.forget(id);
      for (const [legId, port] of record.ports) {
        const peer = latched.find((l) => l.port === port)?.peer;
        const config = record.configs.get(legId);
        if (peer && config) record.pins.set(legId, pinFor(config, peer));
      }
      record.slot = this.workers.pick();
      await this.workers.request(record.slot, { op: 'bind', callId, address: this.options.bindAddress, legs: [...record.ports].map(([legId, port]) => ({ legId, port })) });
      const negotiated = [...record.configs.keys()].filter((l) => record.ports.has(l));
      if (negotiated.length > 0) await this.configureLegs(callId, record, negotiated);
    })();
    return record.moving;
  }

  /** Ends the call: closes its sockets, stops its players and recorders, frees its ports. */
  delete(callId: string): Promise<void> {
    const record = this.calls.get(callId);
    if (!record) return Promise.resolve();
    this.calls.delete(callId);
    this.dtmf.delete(callId);
    // Kept on the record: a bindLegs() under way waits on it before freeing its own ports.
    record.deleting = this.endCall(record, callId);
    return record.deleting;
  }

  private async endCall(record: CallRecord, callId: string): Promise<void> {
    await record.moving?.catch(() => {});
    try {
      if (record.native !== undefined) {
        this.native?.forget(record.native);
        // Lazy: shares a write with others (native-plane.ts); the ports return to the pool after it.
        // 'end', not 'delete': the plane keeps the sockets open (parked) for the next call on these ports.
        await this.nativePlane().request({ op: 'end', call: record.native }, { lazy: true });
      } else if (record.slot) {
        this.workers.release(record.slot);
        await this.workers.request(record.slot, { op: 'delete', callId });
      }
    } finally {
      // Freed only once the plane closed the sockets, so a new call cannot fail to bind them.
      for (const port of record.ports.values()) this.pool.release(port);
    }
  }

  /** The call on a worker (moved there if it was native): play, record, fork and DTMF detection live there. */
  private async onWorker(callId: string): Promise<CallRecord> {
    const record = this.call(callId);
    await this.moveToJs(callId, record);
    return record;
  }

  /** Plays audio to `legId`'s phone (a greeting, a prompt). The other phone's audio to it pauses meanwhile. */
  async play(callId: string, legId: string, source: PlaySource, options: { loop?: boolean } = {}): Promise<PlaybackHandle> {
    const pcm = playSourcePcm(source);
    const record = await this.onWorker(callId);
    const playId = this.nextId++;
    const done = new Promise<'finished' | 'stopped'>((resolve) => this.playbacks.set(playId, resolve));
    try {
      await this.workers.request(record.slot, { op: 'play', callId, legId, playId, pcm, loop: options.loop ?? false });
    } catch (e) {
      this.playbacks.delete(playId);
      throw e;
    }
    return { done, stop: () => this.workers.request(record.slot, { op: 'stop-play', callId, playId }) };
  }

  /**
   * Records what `source` (a leg's phone, or both mixed) sends, as decoded
   * 8 kHz frames in order through a jitter buffer.
   */
  async record(callId: string, source: string | 'mix', sink: RecordingSink): Promise<RecordingHandle> {
    const record = await this.onWorker(callId);
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
      await this.workers.request(record.slot, { op: 'record', callId, source, recordId, port: port2 }, [port2]);
    } catch (e) {
      port1.close();
      throw e;
    }
    return { stop: () => this.workers.request(record.slot, { op: 'stop-record', callId, recordId }) };
  }

  /** Sends a copy of the plain (decrypted) RTP `legId`'s phone sends to a UDP address (an external recorder or analyser). */
  async fork(callId: string, legId: string, target: { address: string; port: number }): Promise<ForkHandle> {
    const record = await this.onWorker(callId);
    const forkId = this.nextId++;
    await this.workers.request(record.slot, { op: 'fork', callId, legId, forkId, address: target.address, port: target.port });
    return { stop: () => this.workers.request(record.slot, { op: 'stop-fork', callId, forkId }) };
  }

  /**
   * Reports each key pressed on either leg, once: RFC 4733 events always,
   * in-band tones (on legs without telephone-event) when `inband` is set, keys from pressKey(); one way per leg.
   * A native call moves to a worker first (keys pressed during the move may be missed).
   */
  onDtmf(callId: string, listener: (notice: DtmfNotice) => void, options: { inband?: boolean } = {}): () => void {
    const record = this.call(callId);
    const stop = this.dtmf.add(callId, listener);
    const moved = this.moveToJs(callId, record);
    if (options.inband) void moved.then(() => this.workers.request(record.slot, { op: 'dtmf', callId, inband: true })).catch(() => {});
    else void moved.catch(() => {});
    return stop;
  }

  /** A key pressed on `legId` that the signalling reports (SIP INFO, RFC 6086): told to onDtmf's listeners as one in the media is (dtmf-listeners.ts). */
  pressKey(callId: string, legId: string, digit: string, durationMs: number): void {
    if (this.calls.has(callId)) this.dtmf.report({ callId, legId, digit, source: 'sip-info', durationMs });
  }

  /**
   * A call had no RTP or RTCP from either leg, nor a new offer/answer, for
   * its window: inactivityTimeoutMs, or holdInactivityTimeoutMs while on hold
   * (reported once until media flows again).
   */
  onInactive(listener: (callId: string, idleMs: number) => void): () => void {
    this.inactiveListeners.add(listener);
    return () => this.inactiveListeners.delete(listener);
  }

  /**
   * With `clock: 'held'` (tests): moves both planes' inactivity clock on by
   * `ms` and runs their check; resolves once any call found inactive has
   * been reported to the onInactive listeners.
   */
  async advanceClock(ms: number): Promise<void> {
    if (this.options.clock !== 'held') throw new Error('advanceClock() needs a relay started with clock: held');
    await Promise.all([this.native?.advanceClock(ms), this.workers.requestAll({ op: 'clock', advanceMs: ms })]);
  }

  /** Per-leg counters. On the native plane, srtpFailures is 0 (no SRTP there) and loss and jitter are not measured (0). */
  async stats(callId: string): Promise<CallStats> {
    const record = this.call(callId);
    await record.moving;
    if (record.native === undefined) return this.workers.request<CallStats>(record.slot, { op: 'stats', callId });
    const legs = await this.nativePlane().request({ op: 'stats', call: record.native });
    return nativeCallStats(callId, record.ports, legs);
  }

  /** Which plane carries the call now (tests, diagnostics). */
  planeOf(callId: string): 'native' | 'js' {
    return this.call(callId).native !== undefined ? 'native' : 'js';
  }

  /** Port pairs in use and in the range. */
  get ports(): { inUse: number; capacity: number } {
    return { inUse: this.pool.inUse, capacity: this.pool.capacity };
  }

  /** Per worker, milliseconds its event loop has been busy since start, and that as a share of its life (benchmarks, health). */
  workerLoad(): { activeMs: number; utilization: number }[] {
    return this.workers.load();
  }

  async close(): Promise<void> {
    await Promise.all([...this.calls.keys()].map((callId) => this.delete(callId).catch(() => {})));
    this.closed = true;
    await this.workers.terminate();
    await this.native?.close();
  }
}
