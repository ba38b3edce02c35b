// One call as a media worker holds it: two legs and what flows between
// them. A packet accepted from one leg is, in order:
//   - DTMF: RFC 4733 events go to a receiver (one notice per key press) and
//     pass through to the other leg under its telephone-event payload type;
//     in-band keys are detected on legs that did not negotiate events;
//   - tapped for recorders and forks (decrypted RTP, before rewriting);
//   - relayed: G.711 transcoded in place when the legs chose different laws
//     (one table lookup per octet), its header rewritten onto the other
//     leg's outbound stream, SRTP-protected if that leg uses SRTP.
// While Sotto plays a prompt to a leg, the other phone's audio to that leg
// is held back (the prompt replaces it); its DTMF still passes.
// A call with no sign of life from either phone (RTP, RTCP, a new
// offer/answer) for its window is reported inactive; a call on hold gets
// the longer window (checkActivity).

import type { Socket } from 'node:dgram';
import { ALAW_TO_ULAW, decodeG711, ULAW_TO_ALAW } from '../codecs/g711.ts';
import { InbandDtmfDetector } from '../dtmf/inband-detector.ts';
import { TelephoneEventReceiver } from '../dtmf/telephone-event-receiver.ts';
import type { RtpPacket } from '../rtp/packet.ts';
import type { CallStats, DtmfNotice, WorkerSettings } from './control-messages.ts';
import type { CallRecorder } from './call-recorder.ts';
import type { PromptPlayer } from './prompt-player.ts';
import type { RelayLeg } from './relay-leg.ts';

interface Fork {
  readonly legId: string;
  readonly socket: Socket;
  readonly address: string;
  readonly port: number;
}

interface DtmfState {
  readonly events: TelephoneEventReceiver;
  inband: InbandDtmfDetector | undefined;
}

export interface CallEvents {
  dtmf(notice: DtmfNotice): void;
  inactive(callId: string, idleMs: number): void;
}

export class RelayedCall {
  readonly legs = new Map<string, RelayLeg>();
  private readonly peers = new Map<string, string>();
  readonly players = new Map<number, PromptPlayer>();
  readonly recorders = new Map<number, CallRecorder>();
  readonly forks = new Map<number, Fork>();
  private readonly dtmf = new Map<string, DtmfState>();
  private inbandDtmf = false;
  /** The last offer/answer, on the inactivity clock; undefined until media is negotiated. */
  private negotiatedAtMs: number | undefined;
  private inactiveReported = false;
  /** The last sign of life when inactivity was reported: media after it re-arms the check. */
  private reportedFor: number | undefined;

  constructor(
    readonly callId: string,
    private readonly events: CallEvents,
    /** The inactivity check's clock (the worker's; a test holds it). */
    private readonly now: () => number = () => performance.now(),
  ) {}

  addLeg(leg: RelayLeg): void {
    this.legs.set(leg.legId, leg);
  }

  /** The two legs relay to each other from now on. */
  pair(legId: string, peerLegId: string): void {
    this.peers.set(legId, peerLegId);
    this.peers.set(peerLegId, legId);
    this.negotiated();
  }

  /**
   * An offer/answer completed: both phones spoke, so the inactivity window
   * starts afresh (a resume gets its full window, however long the hold was).
   */
  negotiated(): void {
    this.negotiatedAtMs = this.now();
    this.inactiveReported = false;
  }

  setInbandDtmf(enabled: boolean): void {
    this.inbandDtmf = enabled;
    for (const [legId, state] of this.dtmf) state.inband = enabled && this.wantsInband(legId) ? (state.inband ?? new InbandDtmfDetector()) : undefined;
  }

  private wantsInband(legId: string): boolean {
    return this.legs.get(legId)?.config?.telephoneEventPayloadType === undefined;
  }

  /** The RtpHandler every leg of this call reports to. */
  readonly receive = (from: RelayLeg, bytes: Buffer, packet: RtpPacket): void => {
    const config = from.config!;
    const isEvent = packet.payloadType === config.telephoneEventPayloadType;
    if (isEvent) this.receiveEvent(from, packet);
    else if (packet.payloadType === config.payloadType) this.tap(from, packet);

    // A copy: the send completes later, after relaying below has rewritten `bytes` in place.
    for (const f of this.forks.values()) if (f.legId === from.legId) f.socket.send(Buffer.from(bytes), f.port, f.address);

    const to = this.legs.get(this.peers.get(from.legId) ?? '');
    const toConfig = to?.config;
    if (!to || !toConfig || !to.canSend) return;
    let payloadType: number;
    if (isEvent) {
      // RFC 4733 passes through only if the other leg negotiated it; its payload type may differ.
      if (toConfig.telephoneEventPayloadType === undefined) return;
      payloadType = toConfig.telephoneEventPayloadType;
    } else if (packet.payloadType === config.payloadType) {
      if (this.playingTo(to.legId)) return;
      payloadType = toConfig.payloadType;
      if (toConfig.codec !== config.codec) {
        const table = config.codec === 'PCMU' ? ULAW_TO_ALAW : ALAW_TO_ULAW;
        const p = packet.payload;
        for (let i = 0; i < p.length; i++) p[i] = table[p[i]!]!;
      }
    } else {
      // Comfort noise (RFC 3389) is not relayed across a codec change; a G.711 peer fills silence itself.
      return;
    }
    to.send(bytes, payloadType, packet.ssrc, packet.sequenceNumber, packet.timestamp, packet.marker, packet.payload.length);
  };

  private dtmfState(legId: string): DtmfState {
    let s = this.dtmf.get(legId);
    if (!s) {
      s = { events: new TelephoneEventReceiver(), inband: this.inbandDtmf && this.wantsInband(legId) ? new InbandDtmfDetector() : undefined };
      this.dtmf.set(legId, s);
    }
    return s;
  }

  private receiveEvent(from: RelayLeg, packet: RtpPacket): void {
    const done = this.dtmfState(from.legId).events.receive({ timestamp: packet.timestamp, marker: packet.marker, payload: packet.payload });
    for (const e of done) {
      if (!e.digit) continue;
      this.events.dtmf({ callId: this.callId, legId: from.legId, digit: e.digit, source: 'rfc4733', durationMs: e.duration / 8 });
    }
  }

  private tap(from: RelayLeg, packet: RtpPacket): void {
    for (const r of this.recorders.values()) {
      if (r.hears(from.legId)) r.push(from.legId, packet.sequenceNumber, packet.timestamp, packet.ssrc, packet.payload);
    }
    const inband = this.inbandDtmf ? this.dtmfState(from.legId).inband : undefined;
    if (inband) {
      const pcm = decodeG711(from.config!.codec === 'PCMU' ? 'pcmu' : 'pcma', packet.payload);
      for (const d of inband.process(pcm)) {
        this.events.dtmf({ callId: this.callId, legId: from.legId, digit: d.digit, source: 'inband', durationMs: d.durationMs });
      }
    }
  }

  private playingTo(legId: string): boolean {
    for (const p of this.players.values()) if (p.active && p.legId === legId) return true;
    return false;
  }

  /** RFC 3550 §6.2: each leg's own report, when due (the worker's housekeeping tick). */
  sendReports(nowMs: number): void {
    for (const leg of this.legs.values()) leg.sendReportIfDue(nowMs);
  }

  /**
   * The inactivity check (the worker's housekeeping tick, or a held clock
   * moved on), as native/relay/calls.c does it. RTP or RTCP accepted from
   * either phone is a sign of life (RFC 3550 §6.3.5 times a participant out
   * on both), and so is a new offer/answer. While a leg's SDP does not flow
   * both ways the call is on hold and gets the hold window: a held stream
   * carries no RTP by design (RFC 3264 §5.1, §8.4) and many phones send no
   * RTCP meanwhile.
   */
  checkActivity(nowMs: number, windows: Pick<WorkerSettings, 'inactivityTimeoutMs' | 'holdInactivityTimeoutMs'>): void {
    if (this.negotiatedAtMs === undefined) return;
    let last = this.negotiatedAtMs;
    let held = false;
    for (const leg of this.legs.values()) {
      if (leg.lastHeardAtMs !== undefined && leg.lastHeardAtMs > last) last = leg.lastHeardAtMs;
      if (leg.held) held = true;
    }
    if (this.inactiveReported && last !== this.reportedFor) this.inactiveReported = false;
    if (this.inactiveReported) return;
    const idle = nowMs - last;
    if (idle >= (held ? windows.holdInactivityTimeoutMs : windows.inactivityTimeoutMs)) {
      // Reported once; new media (or a new answer) arms it again.
      this.inactiveReported = true;
      this.reportedFor = last;
      this.events.inactive(this.callId, Math.round(idle));
    }
  }

  stats(): CallStats {
    return { callId: this.callId, legs: [...this.legs.values()].map((l) => l.stats()) };
  }

  close(): void {
    for (const p of this.players.values()) p.stop();
    for (const r of this.recorders.values()) r.stop();
    for (const f of this.forks.values()) f.socket.close();
    for (const l of this.legs.values()) l.close();
    this.players.clear();
    this.recorders.clear();
    this.forks.clear();
    this.legs.clear();
  }
}
