// Plays decoded audio (a greeting, a prompt) to one leg as RTP, in real
// time: one packet per packetisation interval, sequence +1 and timestamp
// +samples per packet (RFC 3550 §5.1), the marker on the first packet (RFC
// 3551 §4.1). Packets are scheduled against the start time, not chained on
// timer callbacks, so timer lateness does not stretch the prompt: a late
// tick sends what is due and the timestamps stay exact.

import { encodeG711 } from '../codecs/g711.ts';
import type { RelayLeg } from './relay-leg.ts';
import { RTP_FIXED_HEADER_LENGTH } from '../rtp/packet.ts';

/** Sources above 2^32 cannot collide with an SSRC in the outbound stream's bookkeeping. */
const PLAYER_SOURCE_BASE = 0x1_0000_0000;

export type PlayEnd = 'finished' | 'stopped';

export class PromptPlayer {
  private timer: NodeJS.Timeout | undefined;
  private startedAtMs = 0;
  private sentPackets = 0;
  private ended = false;

  constructor(
    readonly playId: number,
    private readonly leg: RelayLeg,
    private readonly pcm: Int16Array,
    private readonly loop: boolean,
    private readonly onEnd: (reason: PlayEnd) => void,
  ) {}

  start(): void {
    this.startedAtMs = performance.now();
    const ptime = (this.leg.samplesPerPacket * 1000) / 8000;
    this.sendDue();
    if (!this.ended) this.timer = setInterval(() => this.sendDue(), Math.max(5, Math.floor(ptime / 2)));
  }

  get legId(): string {
    return this.leg.legId;
  }

  get active(): boolean {
    return !this.ended;
  }

  private sendDue(): void {
    const config = this.leg.config;
    if (!config) return this.finish('stopped');
    const spp = this.leg.samplesPerPacket;
    const total = Math.ceil(this.pcm.length / spp);
    const due = Math.floor(((performance.now() - this.startedAtMs) * 8000) / 1000 / spp) + 1;
    while (this.sentPackets < due) {
      const index = this.loop ? this.sentPackets % total : this.sentPackets;
      if (index >= total) return this.finish('finished');
      const frame = new Int16Array(spp);
      frame.set(this.pcm.subarray(index * spp, Math.min(this.pcm.length, (index + 1) * spp)));
      const payload = encodeG711(config.codec === 'PCMU' ? 'pcmu' : 'pcma', frame);
      const bytes = Buffer.allocUnsafe(RTP_FIXED_HEADER_LENGTH + payload.length);
      bytes[0] = 0x80;
      payload.copy(bytes, RTP_FIXED_HEADER_LENGTH);
      const n = this.sentPackets;
      this.leg.send(bytes, config.payloadType, PLAYER_SOURCE_BASE + this.playId, n & 0xffff, (n * spp) >>> 0, n === 0, payload.length);
      this.sentPackets++;
    }
    if (!this.loop && this.sentPackets >= total) this.finish('finished');
  }

  stop(): void {
    this.finish('stopped');
  }

  private finish(reason: PlayEnd): void {
    if (this.ended) return;
    this.ended = true;
    if (this.timer) clearInterval(this.timer);
    this.onEnd(reason);
  }
}
