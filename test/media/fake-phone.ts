// A "phone" for relay tests: a plain UDP socket that does its own SDP
// (through media/'s offer/answer helpers), sends RTP (optionally SRTP) and
// keeps every packet it receives, with promises that settle on arrival.
import { randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import {
  answerAudioOffer,
  createAudioOffer,
  decodeG711,
  encodeG711,
  findSrtpCryptoSuite,
  parseRtpPacket,
  parseSdp,
  readAudioAnswer,
  RtpPacketizer,
  serializeRtpPacket,
  serializeSdp,
  SrtpSession,
  type G711Codec,
  type MediaDirection,
  type NegotiatedAudio,
  type RtpPacket,
  type SdesKey,
  type SessionDescription,
} from '../../src/media/index.ts';

export interface ReceivedPacket {
  readonly packet: RtpPacket;
  readonly from: { address: string; port: number };
}

export class FakePhone {
  readonly received: ReceivedPacket[] = [];
  negotiated: NegotiatedAudio | undefined;
  private offerSent: SessionDescription | undefined;
  private offerKeys: SdesKey[] = [];
  private srtpIn: SrtpSession | undefined;
  private srtpOut: SrtpSession | undefined;
  private waiters: { test: () => boolean; resolve: () => void }[] = [];
  packetizer: RtpPacketizer | undefined;

  private constructor(
    readonly socket: Socket,
    readonly port: number,
  ) {
    socket.on('message', (msg, rinfo) => this.onMessage(msg, rinfo.address, rinfo.port));
  }

  static async open(): Promise<FakePhone> {
    const socket = createSocket('udp4');
    await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
    return new FakePhone(socket, socket.address().port);
  }

  private onMessage(msg: Buffer, address: string, port: number): void {
    let bytes = msg;
    const second = msg[1] ?? 0;
    if (second >= 200 && second <= 206) return; // RTCP
    if (this.srtpIn) {
      const plain = this.srtpIn.unprotectRtp(msg);
      if (!plain.ok) return;
      bytes = plain.value;
    }
    const parsed = parseRtpPacket(bytes);
    if (!parsed.ok) return;
    this.received.push({ packet: { ...parsed.value, payload: Buffer.from(parsed.value.payload) }, from: { address, port } });
    this.waiters = this.waiters.filter((w) => {
      if (!w.test()) return true;
      w.resolve();
      return false;
    });
  }

  /** Settles once `test` holds over what has been received. */
  until(test: () => boolean): Promise<void> {
    if (test()) return Promise.resolve();
    return new Promise((resolve) => this.waiters.push({ test, resolve }));
  }

  offer(options: { codecs: G711Codec[]; telephoneEventPayloadType?: number; srtp?: boolean; direction?: MediaDirection }): string {
    this.offerKeys = options.srtp ? [{ suite: 'AES_CM_128_HMAC_SHA1_80', keySalt: randomBytes(30) }] : [];
    this.offerSent = createAudioOffer({
      identity: { sessionId: String(this.port), sessionVersion: '1' },
      endpoint: { address: '127.0.0.1', port: this.port },
      codecs: options.codecs,
      ...(options.telephoneEventPayloadType !== undefined ? { telephoneEventPayloadType: options.telephoneEventPayloadType } : {}),
      srtpKeys: this.offerKeys,
      ...(options.direction ? { direction: options.direction } : {}),
    });
    return serializeSdp(this.offerSent);
  }

  takeAnswer(answerText: string): NegotiatedAudio {
    const answer = parseSdp(answerText);
    if (!answer.ok) throw new Error('relay answer does not parse');
    const audio = readAudioAnswer(this.offerSent!, answer.value, this.offerKeys);
    if (!audio.ok) throw new Error(`relay answer refused: ${audio.error.code}`);
    this.use(audio.value);
    return audio.value;
  }

  answer(offerText: string, options: { codecs: G711Codec[]; srtp?: boolean }): string {
    const offer = parseSdp(offerText);
    if (!offer.ok) throw new Error('relay offer does not parse');
    const r = answerAudioOffer(offer.value, {
      identity: { sessionId: String(this.port), sessionVersion: '1' },
      endpoint: { address: '127.0.0.1', port: this.port },
      codecs: options.codecs,
      telephoneEvents: true,
      ...(options.srtp ? { srtp: { required: true, suites: ['AES_CM_128_HMAC_SHA1_80'], newKey: () => randomBytes(30) } } : {}),
    });
    if (!r.ok) throw new Error(`relay offer refused: ${r.error.code}`);
    this.use(r.value.audio);
    return serializeSdp(r.value.answer);
  }

  private use(audio: NegotiatedAudio): void {
    this.negotiated = audio;
    this.packetizer = new RtpPacketizer({ payloadType: audio.payloadType });
    if (audio.srtp) {
      const suite = findSrtpCryptoSuite(audio.srtp.suite.name)!;
      const k = suite.masterKeyLength;
      this.srtpOut = new SrtpSession({ suite, masterKey: audio.srtp.localKeySalt.subarray(0, k), masterSalt: audio.srtp.localKeySalt.subarray(k) });
      this.srtpIn = new SrtpSession({ suite, masterKey: audio.srtp.remoteKeySalt.subarray(0, k), masterSalt: audio.srtp.remoteKeySalt.subarray(k) });
    }
  }

  get law(): 'pcmu' | 'pcma' {
    return this.negotiated!.codec === 'PCMU' ? 'pcmu' : 'pcma';
  }

  /** Sends one RTP packet to where SDP told this phone to send. */
  sendPacket(packet: RtpPacket): void {
    let bytes = serializeRtpPacket(packet);
    if (this.srtpOut) {
      const p = this.srtpOut.protectRtp(bytes);
      if (!p.ok) throw new Error(p.error.code);
      bytes = p.value;
    }
    this.socket.send(bytes, this.negotiated!.remotePort, this.negotiated!.remoteAddress);
  }

  /** The packets of `pcm`, 20 ms each, in the negotiated codec. */
  packets(pcm: Int16Array): RtpPacket[] {
    const out: RtpPacket[] = [];
    for (let i = 0; i < pcm.length; i += 160) {
      const frame = new Int16Array(160);
      frame.set(pcm.subarray(i, Math.min(pcm.length, i + 160)));
      out.push(this.packetizer!.next(encodeG711(this.law, frame)));
    }
    return out;
  }

  /** Audio packets received (not telephone-events), in sequence order, decoded. */
  decodedAudio(law: 'pcmu' | 'pcma' = this.law): Int16Array {
    const audio = this.received.filter((r) => r.packet.payloadType === this.negotiated!.payloadType).map((r) => r.packet);
    audio.sort((a, b) => ((a.sequenceNumber - b.sequenceNumber + 0x8000) & 0xffff) - 0x8000);
    const parts = audio.map((p) => decodeG711(law, p.payload));
    const out = new Int16Array(parts.reduce((n, p) => n + p.length, 0));
    let o = 0;
    for (const p of parts) {
      out.set(p, o);
      o += p.length;
    }
    return out;
  }

  close(): void {
    this.socket.close();
  }
}

/** Sends packets one per 20 ms (the phone's own clock), resolving after the last. */
export function sendPaced(phone: FakePhone, packets: readonly RtpPacket[], intervalMs = 20): Promise<void> {
  return new Promise((resolve) => {
    let i = 0;
    const timer = setInterval(() => {
      const p = packets[i++];
      if (p) phone.sendPacket(p);
      if (i >= packets.length) {
        clearInterval(timer);
        resolve();
      }
    }, intervalMs);
  });
}
