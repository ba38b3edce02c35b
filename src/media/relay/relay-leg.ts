// One leg of a relayed call, as a media worker holds it: the RTP and RTCP
// sockets facing that leg's phone, whom they accept packets from, the SRTP
// keys of that leg, and the stream the relay sends to it.
//
// Receive path, per RTP packet (RFC 3550 §5, RFC 3711 §3.3):
//   SRTP unprotect (if negotiated) -> parse -> negotiated payload type? ->
//   latch check (PeerLatch, once) -> statistics -> handed to the call.
// Anything refused is counted and dropped; nothing from a peer throws.
// RTCP is terminated here (the relay is an RTP translator that rewrites
// SSRCs, so it must speak for its own streams, RFC 3550 §7.2): the leg's
// reports feed our statistics and we send our own SR/RR.

import { createSocket, type RemoteInfo, type Socket } from 'node:dgram';
import { parseRtcpCompound, serializeRtcpCompound, type RtcpPacket } from '../rtcp/compound.ts';
import { RtpReceiverStatistics } from '../rtcp/receiver-statistics.ts';
import { cnameSdes } from '../rtcp/sdes.ts';
import { RtpSenderStatistics } from '../rtcp/sender-statistics.ts';
import { parseRtpPacket, type RtpPacket } from '../rtp/packet.ts';
import { PeerLatch, type MediaAddress } from '../rtp/peer-latch.ts';
import { directionFlags } from '../sdp/media-format.ts';
import { findSrtpCryptoSuite } from '../srtp/crypto-suite.ts';
import { SrtpSession } from '../srtp/srtp-session.ts';
import type { LegMediaConfig, LegStats, WorkerSettings } from './control-messages.ts';
import { LatchCheck } from './latch-check.ts';
import { OutboundStream } from './outbound-stream.ts';

export interface LegCounters {
  packetsReceived: number;
  packetsSent: number;
  packetsRefused: number;
  packetsMalformed: number;
  srtpFailures: number;
  unexpectedPayloadType: number;
  rtcpReceived: number;
  rtcpSent: number;
}

/** Receives each RTP packet accepted from the leg; `packet.payload` is a view into `bytes`, which the receiver may rewrite. */
export type RtpHandler = (leg: RelayLeg, bytes: Buffer, packet: RtpPacket) => void;

interface Negotiated {
  readonly config: LegMediaConfig;
  readonly latch: PeerLatch;
  readonly check: LatchCheck;
  readonly srtpIn?: SrtpSession;
  readonly srtpOut?: SrtpSession;
  readonly sendsToUs: boolean;
  readonly weSend: boolean;
  readonly samplesPerPacket: number;
}

export class RelayLeg {
  readonly counters: LegCounters = {
    packetsReceived: 0,
    packetsSent: 0,
    packetsRefused: 0,
    packetsMalformed: 0,
    srtpFailures: 0,
    unexpectedPayloadType: 0,
    rtcpReceived: 0,
    rtcpSent: 0,
  };
  readonly outbound = new OutboundStream();
  /** When RTP or RTCP was last accepted from the phone, on the inactivity clock. */
  lastHeardAtMs: number | undefined;
  private negotiated: Negotiated | undefined;
  private rtpSocket: Socket | undefined;
  private rtcpSocket: Socket | undefined;
  private receiverStats: RtpReceiverStatistics | undefined;
  private readonly senderStats: RtpSenderStatistics;
  private rtcpPeer: MediaAddress | undefined;
  private lastReportAtMs = 0;

  constructor(
    /** Renamed once when the answer names a leg the offer did not know yet. */
    public legId: string,
    readonly localAddress: string,
    readonly localPort: number,
    private readonly settings: WorkerSettings,
    private readonly onRtp: RtpHandler,
    /** A held clock for the inactivity check (tests); else the packet's own performance.now() reading serves it too. */
    private readonly heldNow?: () => number,
  ) {
    this.senderStats = new RtpSenderStatistics(this.outbound.ssrc, 8000);
  }

  /** Binds RTP on the even port and RTCP on the one above (RFC 3550 §11). */
  async bind(): Promise<void> {
    this.rtpSocket = await this.open(this.localPort, (msg, rinfo) => this.receiveRtp(msg, rinfo));
    try {
      this.rtcpSocket = await this.open(this.localPort + 1, (msg, rinfo) => this.receiveRtcp(msg, rinfo));
    } catch (e) {
      this.rtpSocket.close();
      this.rtpSocket = undefined;
      throw e;
    }
  }

  private open(port: number, onMessage: (msg: Buffer, rinfo: RemoteInfo) => void): Promise<Socket> {
    const type = this.localAddress.includes(':') ? 'udp6' : 'udp4';
    const socket = createSocket({ type, recvBufferSize: this.settings.recvBufferSize, sendBufferSize: this.settings.sendBufferSize });
    return new Promise((resolve, reject) => {
      socket.once('error', reject);
      socket.bind(port, this.localAddress, () => {
        socket.off('error', reject);
        // A send to a closed port surfaces later as an ICMP error on the socket; it must not crash the worker.
        socket.on('error', () => {});
        socket.on('message', onMessage);
        resolve(socket);
      });
    });
  }

  /** A new offer/answer: new addresses and keys, and a fresh latch if the phone moved (a re-INVITE may move it). */
  configure(config: LegMediaConfig): void {
    const negotiated: MediaAddress = { address: config.remoteAddress, port: config.remotePort };
    const flags = directionFlags(config.direction);
    let srtpIn: SrtpSession | undefined;
    let srtpOut: SrtpSession | undefined;
    if (config.srtp) {
      const suite = findSrtpCryptoSuite(config.srtp.suite)!;
      const split = (keySalt: Uint8Array) => {
        const b = Buffer.from(keySalt);
        return { masterKey: b.subarray(0, suite.masterKeyLength), masterSalt: b.subarray(suite.masterKeyLength) };
      };
      const mki = config.srtp.remoteMki ? Buffer.from(config.srtp.remoteMki) : undefined;
      srtpIn = new SrtpSession({ suite, ...split(config.srtp.remoteKeySalt), ...(mki ? { mki } : {}) });
      srtpOut = new SrtpSession({ suite, ...split(config.srtp.localKeySalt) });
    }
    // A re-INVITE that keeps the phone's address (a session refresh, hold)
    // keeps the latch: reopening it would give a stranger a fresh chance.
    const previous = this.negotiated;
    const keep =
      previous !== undefined &&
      previous.config.remoteAddress === config.remoteAddress &&
      previous.config.remotePort === config.remotePort &&
      previous.config.latch === config.latch;
    this.negotiated = {
      config,
      latch: keep ? previous.latch : new PeerLatch(negotiated, config.latch),
      check: keep ? previous.check : new LatchCheck(negotiated),
      sendsToUs: flags.recv,
      weSend: flags.send && config.remoteAddress !== '0.0.0.0',
      samplesPerPacket: (config.ptimeMs * 8000) / 1000,
      ...(srtpIn ? { srtpIn, srtpOut } : {}),
    };
    if (!keep) this.rtcpPeer = undefined;
  }

  get config(): LegMediaConfig | undefined {
    return this.negotiated?.config;
  }

  get latched(): boolean {
    return this.negotiated?.latch.state === 'latched';
  }

  get canSend(): boolean {
    return this.negotiated?.weSend === true;
  }

  /** The leg's SDP does not let media flow both ways (sendonly, recvonly, inactive, c=0.0.0.0): on hold, RFC 3264 §8.4. */
  get held(): boolean {
    const n = this.negotiated;
    return n !== undefined && !(n.sendsToUs && n.weSend);
  }

  get samplesPerPacket(): number {
    return this.negotiated?.samplesPerPacket ?? 160;
  }

  private receiveRtp(msg: Buffer, rinfo: RemoteInfo): void {
    const n = this.negotiated;
    if (!n) {
      this.counters.packetsRefused++;
      return;
    }
    // RFC 5761 §4: RTCP multiplexed on the RTP port has a packet type of 200-206 in the second octet.
    const second = msg[1];
    if (second !== undefined && second >= 200 && second <= 206) {
      this.receiveRtcp(msg, rinfo);
      return;
    }
    let bytes = msg;
    if (n.srtpIn) {
      // Only the latched peer's packets are worth the HMAC once latched.
      if (n.latch.state === 'latched' && !sameSource(n.latch.sendTo, rinfo)) {
        this.counters.packetsRefused++;
        return;
      }
      const plain = n.srtpIn.unprotectRtp(msg);
      if (!plain.ok) {
        this.counters.srtpFailures++;
        return;
      }
      bytes = plain.value;
    }
    const parsed = parseRtpPacket(bytes);
    if (!parsed.ok) {
      this.counters.packetsMalformed++;
      return;
    }
    const packet = parsed.value;
    const pt = packet.payloadType;
    const known = pt === n.config.payloadType || pt === n.config.telephoneEventPayloadType || pt === 13;
    const source: MediaAddress = { address: rinfo.address, port: rinfo.port };
    const passed = known && n.check.passes(source, packet.ssrc, packet.sequenceNumber, n.srtpIn !== undefined);
    if (n.latch.judge(source, passed) === 'refuse') {
      this.counters.packetsRefused++;
      return;
    }
    if (!known) {
      this.counters.unexpectedPayloadType++;
      return;
    }
    this.counters.packetsReceived++;
    const now = performance.now();
    this.lastHeardAtMs = this.heldNow?.() ?? now;
    if (!this.receiverStats || this.receiverStats.ssrc !== packet.ssrc) {
      this.receiverStats = new RtpReceiverStatistics({ ssrc: packet.ssrc, clockRate: 8000, minSequential: 1 });
    }
    this.receiverStats.receive(packet.sequenceNumber, packet.timestamp, now);
    if (!n.sendsToUs) return;
    this.onRtp(this, bytes, packet);
  }

  /**
   * Sends one RTP packet (a plain RTP buffer whose header the relay may
   * rewrite in place) to the leg under our outbound stream.
   */
  send(bytes: Buffer, payloadType: number, source: number, sequenceNumber: number, timestamp: number, marker: boolean, payloadLength: number): void {
    const n = this.negotiated;
    if (!n || !n.weSend || !this.rtpSocket) return;
    const out = this.outbound.rewrite(source, sequenceNumber, timestamp, performance.now(), n.samplesPerPacket);
    bytes[1] = (marker || out.switched ? 0x80 : 0) | (payloadType & 0x7f);
    bytes.writeUInt16BE(out.sequenceNumber, 2);
    bytes.writeUInt32BE(out.timestamp, 4);
    bytes.writeUInt32BE(this.outbound.ssrc, 8);
    let wire = bytes;
    if (n.srtpOut) {
      const protectedPacket = n.srtpOut.protectRtp(bytes);
      if (!protectedPacket.ok) return;
      wire = protectedPacket.value;
    }
    const to = n.latch.sendTo;
    this.rtpSocket.send(wire, to.port, to.address);
    this.counters.packetsSent++;
    this.senderStats.sent(payloadLength);
  }

  private receiveRtcp(msg: Buffer, rinfo: RemoteInfo): void {
    const n = this.negotiated;
    // RTCP comes from the phone we latched to (same IP; its RTCP port may
    // differ behind NAT), from the port it first came from (as native/relay/leg.c).
    if (!n || n.latch.state !== 'latched' || n.latch.sendTo.address !== rinfo.address || (this.rtcpPeer !== undefined && !sameSource(this.rtcpPeer, rinfo))) {
      this.counters.packetsRefused++;
      return;
    }
    let bytes = msg;
    if (n.srtpIn) {
      const plain = n.srtpIn.unprotectRtcp(msg);
      if (!plain.ok) {
        this.counters.srtpFailures++;
        return;
      }
      bytes = plain.value;
    }
    const parsed = parseRtcpCompound(bytes, { allowReducedSize: true });
    if (!parsed.ok) {
      this.counters.packetsMalformed++;
      return;
    }
    this.counters.rtcpReceived++;
    // RFC 3550 §6.3.5: RTCP is a sign of life too, and the only one a held stream gives.
    this.lastHeardAtMs = this.heldNow?.() ?? performance.now();
    this.rtcpPeer ??= { address: rinfo.address, port: rinfo.port };
    for (const p of parsed.value) {
      if (p.type === 'sender-report' && this.receiverStats && p.ssrc === this.receiverStats.ssrc) {
        this.receiverStats.receiveSenderReport(p.ntpSeconds, p.ntpFraction, performance.now());
      }
    }
  }

  /** RFC 3550 §6.4: an SR when we sent since the last report, else an RR; with our CNAME (§6.1). */
  sendReportIfDue(nowMs: number): void {
    const n = this.negotiated;
    if (!n || !this.rtcpSocket || n.latch.state !== 'latched') return;
    if (nowMs - this.lastReportAtMs < this.settings.rtcpIntervalMs) return;
    this.lastReportAtMs = nowMs;
    const blocks = this.receiverStats ? [this.receiverStats.reportBlock(nowMs)] : [];
    const ssrc = this.outbound.ssrc;
    const report: RtcpPacket =
      this.senderStats.packetCount > 0
        ? this.senderStats.senderReport(Date.now(), this.outbound.timestampAt(nowMs), blocks)
        : { type: 'receiver-report', ssrc, reports: blocks };
    let bytes = serializeRtcpCompound([report, cnameSdes(ssrc, this.settings.cname)]);
    if (n.srtpOut) {
      const p = n.srtpOut.protectRtcp(bytes);
      if (!p.ok) return;
      bytes = p.value;
    }
    const to = this.rtcpPeer ?? { address: n.latch.sendTo.address, port: n.config.remoteRtcpPort };
    this.rtcpSocket.send(bytes, to.port, to.address);
    this.counters.rtcpSent++;
  }

  stats(): LegStats {
    let recvBufferSize = 0;
    try {
      recvBufferSize = this.rtpSocket?.getRecvBufferSize() ?? 0;
    } catch {
      recvBufferSize = 0;
    }
    return {
      legId: this.legId,
      localPort: this.localPort,
      latched: this.latched,
      ...this.counters,
      cumulativeLost: this.receiverStats?.cumulativeLost ?? 0,
      jitterMs: this.receiverStats?.jitterMs ?? 0,
      recvBufferSize,
    };
  }

  close(): void {
    this.rtpSocket?.close();
    this.rtcpSocket?.close();
    this.rtpSocket = undefined;
    this.rtcpSocket = undefined;
  }
}

function sameSource(a: MediaAddress, b: RemoteInfo): boolean {
  return a.port === b.port && a.address === b.address;
}
