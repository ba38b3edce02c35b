// SRTP and SRTCP packet protection, RFC 3711, for the AES-CM / HMAC-SHA1
// suites. One session holds one master key (one direction of one call leg:
// SDES gives each side its own key) and tracks every SSRC seen under it.
//
// SRTP packet (§3.1): the RTP header stays clear, the payload is encrypted,
// and an authentication tag over header + encrypted payload + ROC follows.
// SRTCP packet (§3.4): the first 8 octets stay clear, the rest is encrypted,
// then E-flag || 31-bit SRTCP index, then the tag over all of that.

import { createHmac, timingSafeEqual } from 'node:crypto';
import { err, ok, type MediaError, type Result } from '../result.ts';
import { AesCounterMode } from './aes-counter-mode.ts';
import type { SrtpCryptoSuite } from './crypto-suite.ts';
import { deriveSessionKeys, type SrtpSessionKeys } from './key-derivation.ts';
import { ReplayWindow } from './replay-window.ts';

export type SrtpErrorCode =
  | 'SRTP_TOO_SHORT'
  | 'SRTP_BAD_HEADER'
  | 'SRTP_AUTH_FAILED'
  | 'SRTP_REPLAYED'
  | 'SRTP_TOO_OLD'
  | 'SRTP_KEY_EXHAUSTED'
  | 'SRTP_UNKNOWN_MKI';

export type SrtpError = MediaError<SrtpErrorCode>;

export interface SrtpSessionOptions {
  readonly suite: SrtpCryptoSuite;
  readonly masterKey: Buffer;
  readonly masterSalt: Buffer;
  readonly replayWindowSize?: number;
  /**
   * Master key identifier carried in every packet under this key (RFC 3711
   * §3.1), when SDES negotiated one: sent on protect, checked on unprotect.
   */
  readonly mki?: Buffer;
}

interface RtpStreamState {
  roc: number;
  /** Highest sequence number authenticated (s_l in §3.3.1). */
  highestSeq: number;
  readonly replay: ReplayWindow;
}

interface RtcpStreamState {
  nextSendIndex: number;
  readonly replay: ReplayWindow;
}

const MAX_ROC = 0xffffffff;
const MAX_SRTCP_INDEX = 0x7fffffff;
const SRTCP_E_FLAG = 0x80000000;

export class SrtpSession {
  readonly suite: SrtpCryptoSuite;
  private readonly rtpKeys: SrtpSessionKeys;
  private readonly rtcpKeys: SrtpSessionKeys;
  private readonly rtpCipher: AesCounterMode;
  private readonly rtcpCipher: AesCounterMode;
  private readonly rtpStreams = new Map<number, RtpStreamState>();
  private readonly rtcpStreams = new Map<number, RtcpStreamState>();
  private readonly replayWindowSize: number;
  private readonly mki: Buffer;

  constructor(options: SrtpSessionOptions) {
    const { suite, masterKey, masterSalt } = options;
    if (masterKey.length !== suite.masterKeyLength || masterSalt.length !== suite.masterSaltLength) {
      throw new RangeError(`${suite.name} needs a ${suite.masterKeyLength}-octet key and ${suite.masterSaltLength}-octet salt`);
    }
    this.suite = suite;
    this.rtpKeys = deriveSessionKeys(suite, masterKey, masterSalt, 'rtp');
    this.rtcpKeys = deriveSessionKeys(suite, masterKey, masterSalt, 'rtcp');
    this.rtpCipher = new AesCounterMode(this.rtpKeys.encryptionKey);
    this.rtcpCipher = new AesCounterMode(this.rtcpKeys.encryptionKey);
    this.replayWindowSize = options.replayWindowSize ?? 128;
    this.mki = options.mki ?? Buffer.alloc(0);
  }

  /** Encrypts and tags one of our RTP packets. */
  protectRtp(packet: Buffer): Result<Buffer, SrtpError> {
    const headerLength = rtpHeaderLength(packet);
    if (headerLength < 0) return err('SRTP_BAD_HEADER', 'RTP header runs past the packet');
    const ssrc = packet.readUInt32BE(8);
    const seq = packet.readUInt16BE(2);
    const stream = this.rtpStream(ssrc, seq);
    const roc = estimateRoc(stream, seq);
    if (roc > MAX_ROC) return err('SRTP_KEY_EXHAUSTED', 'SRTP master key used for 2^48 packets');
    advance(stream, roc, seq);

    const tagLength = this.suite.rtpTagLength;
    const out = Buffer.allocUnsafe(packet.length + this.mki.length + tagLength);
    packet.copy(out, 0, 0, headerLength);
    this.rtpCipher.transform(packetIv(this.rtpKeys.salt, ssrc, roc, seq), packet.subarray(headerLength), out, headerLength);
    // The MKI sits between payload and tag and is not authenticated (§3.1).
    this.mki.copy(out, packet.length);
    const tag = rtpTag(this.rtpKeys.authenticationKey, out.subarray(0, packet.length), roc);
    tag.copy(out, packet.length + this.mki.length, 0, tagLength);
    return ok(out);
  }

  /** Authenticates, replay-checks and decrypts a peer's SRTP packet. */
  unprotectRtp(packet: Buffer): Result<Buffer, SrtpError> {
    const tagLength = this.suite.rtpTagLength;
    const trailer = this.mki.length + tagLength;
    if (packet.length < 12 + trailer) return err('SRTP_TOO_SHORT', 'SRTP packet shorter than header and tag');
    const body = packet.subarray(0, packet.length - trailer);
    if (this.mki.length > 0 && !this.mki.equals(packet.subarray(body.length, body.length + this.mki.length))) {
      return err('SRTP_UNKNOWN_MKI', 'SRTP packet names another master key');
    }
    const headerLength = rtpHeaderLength(body);
    if (headerLength < 0) return err('SRTP_BAD_HEADER', 'RTP header runs past the packet');
    const ssrc = body.readUInt32BE(8);
    const seq = body.readUInt16BE(2);
    const known = this.rtpStreams.get(ssrc);
    // §3.3.1: a new stream's s_l starts at its first sequence number, but is
    // only kept once that packet authenticates.
    const stream = known ?? { roc: 0, highestSeq: seq, replay: new ReplayWindow(this.replayWindowSize) };
    const roc = estimateRoc(stream, seq);
    const index = roc * 0x10000 + seq;
    // §3.3.2: the replay check comes first, as it is cheaper than the tag.
    const verdict = stream.replay.check(index);
    if (verdict === 'replayed') return err('SRTP_REPLAYED', 'SRTP packet index already received');
    if (verdict === 'too-old') return err('SRTP_TOO_OLD', 'SRTP packet index behind the replay window');

    const expected = rtpTag(this.rtpKeys.authenticationKey, body, roc);
    if (!timingSafeEqual(expected.subarray(0, tagLength), packet.subarray(packet.length - tagLength))) {
      return err('SRTP_AUTH_FAILED', 'SRTP authentication tag mismatch');
    }
    if (!known) this.rtpStreams.set(ssrc, stream);
    stream.replay.accept(index);
    advance(stream, roc, seq);

    const out = Buffer.allocUnsafe(body.length);
    body.copy(out, 0, 0, headerLength);
    this.rtpCipher.transform(packetIv(this.rtpKeys.salt, ssrc, roc, seq), body.subarray(headerLength), out, headerLength);
    return ok(out);
  }

  /** Encrypts and tags one of our RTCP compound packets. */
  protectRtcp(packet: Buffer): Result<Buffer, SrtpError> {
    if (packet.length < 8) return err('SRTP_TOO_SHORT', 'RTCP packet shorter than 8 octets');
    const ssrc = packet.readUInt32BE(4);
    let stream = this.rtcpStreams.get(ssrc);
    if (!stream) {
      stream = { nextSendIndex: 1, replay: new ReplayWindow(this.replayWindowSize) };
      this.rtcpStreams.set(ssrc, stream);
    }
    const index = stream.nextSendIndex;
    if (index > MAX_SRTCP_INDEX) return err('SRTP_KEY_EXHAUSTED', 'SRTCP master key used for 2^31 packets');
    stream.nextSendIndex++;

    const tagLength = this.suite.rtcpTagLength;
    const out = Buffer.allocUnsafe(packet.length + 4 + this.mki.length + tagLength);
    packet.copy(out, 0, 0, 8);
    this.rtcpCipher.transform(rtcpIv(this.rtcpKeys.salt, ssrc, index), packet.subarray(8), out, 8);
    out.writeUInt32BE((SRTCP_E_FLAG | index) >>> 0, packet.length);
    this.mki.copy(out, packet.length + 4);
    const authenticated = out.subarray(0, packet.length + 4);
    const tag = createHmac('sha1', this.rtcpKeys.authenticationKey).update(authenticated).digest();
    tag.copy(out, packet.length + 4 + this.mki.length, 0, tagLength);
    return ok(out);
  }

  /** Authenticates, replay-checks and (when E is set) decrypts a peer's SRTCP packet. */
  unprotectRtcp(packet: Buffer): Result<Buffer, SrtpError> {
    const tagLength = this.suite.rtcpTagLength;
    if (packet.length < 8 + 4 + this.mki.length + tagLength) {
      return err('SRTP_TOO_SHORT', 'SRTCP packet shorter than header, index and tag');
    }
    const trailer = packet.length - tagLength - this.mki.length - 4;
    const authenticated = packet.subarray(0, trailer + 4);
    if (this.mki.length > 0 && !this.mki.equals(packet.subarray(trailer + 4, trailer + 4 + this.mki.length))) {
      return err('SRTP_UNKNOWN_MKI', 'SRTCP packet names another master key');
    }
    const expected = createHmac('sha1', this.rtcpKeys.authenticationKey).update(authenticated).digest().subarray(0, tagLength);
    // Tag before replay here: the index itself is only trustworthy once authenticated.
    if (!timingSafeEqual(expected, packet.subarray(packet.length - tagLength))) {
      return err('SRTP_AUTH_FAILED', 'SRTCP authentication tag mismatch');
    }
    const word = packet.readUInt32BE(trailer);
    const encrypted = (word & SRTCP_E_FLAG) !== 0;
    const index = word & MAX_SRTCP_INDEX;
    const ssrc = packet.readUInt32BE(4);
    let stream = this.rtcpStreams.get(ssrc);
    if (!stream) {
      stream = { nextSendIndex: 1, replay: new ReplayWindow(this.replayWindowSize) };
      this.rtcpStreams.set(ssrc, stream);
    }
    const verdict = stream.replay.check(index);
    if (verdict === 'replayed') return err('SRTP_REPLAYED', 'SRTCP index already received');
    if (verdict === 'too-old') return err('SRTP_TOO_OLD', 'SRTCP index behind the replay window');
    stream.replay.accept(index);

    const out = Buffer.allocUnsafe(trailer);
    packet.copy(out, 0, 0, 8);
    if (encrypted) {
      this.rtcpCipher.transform(rtcpIv(this.rtcpKeys.salt, ssrc, index), packet.subarray(8, trailer), out, 8);
    } else {
      packet.copy(out, 8, 8, trailer);
    }
    return ok(out);
  }

  private rtpStream(ssrc: number, firstSeq: number): RtpStreamState {
    let stream = this.rtpStreams.get(ssrc);
    if (!stream) {
      stream = { roc: 0, highestSeq: firstSeq, replay: new ReplayWindow(this.replayWindowSize) };
      this.rtpStreams.set(ssrc, stream);
    }
    return stream;
  }

  /** The rollover counter for an SSRC, e.g. to hand a stream over to another session. */
  rolloverCounter(ssrc: number): number | undefined {
    return this.rtpStreams.get(ssrc)?.roc;
  }
}

/** Header length including CSRCs and extension, or -1 if the packet is too short for it. */
function rtpHeaderLength(packet: Buffer): number {
  if (packet.length < 12 || packet[0]! >> 6 !== 2) return -1;
  let length = 12 + (packet[0]! & 0x0f) * 4;
  if (packet[0]! & 0x10) {
    if (packet.length < length + 4) return -1;
    length += 4 + packet.readUInt16BE(length + 2) * 4;
  }
  return length <= packet.length ? length : -1;
}

// RFC 3711 §3.3.1 and Appendix A: the ROC guess v for a sequence number,
// given the highest one so far (s_l) and the current ROC.
function estimateRoc(stream: RtpStreamState, seq: number): number {
  const sl = stream.highestSeq;
  if (sl < 0x8000) {
    if (seq - sl > 0x8000 && stream.roc > 0) return stream.roc - 1;
    return stream.roc;
  }
  if (sl - 0x8000 > seq) return stream.roc + 1;
  return stream.roc;
}

// After authentication (or when sending): move s_l and ROC forward only.
function advance(stream: RtpStreamState, roc: number, seq: number): void {
  if (roc > stream.roc) {
    stream.roc = roc;
    stream.highestSeq = seq;
  } else if (roc === stream.roc && seq > stream.highestSeq) {
    stream.highestSeq = seq;
  }
}

// RFC 3711 §4.1.1: IV = (k_s * 2^16) XOR (SSRC * 2^64) XOR (i * 2^16),
// with i = ROC * 2^16 + SEQ occupying octets 8..13.
function packetIv(salt: Buffer, ssrc: number, roc: number, seq: number): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  iv.writeUInt32BE((iv.readUInt32BE(8) ^ roc) >>> 0, 8);
  iv.writeUInt16BE(iv.readUInt16BE(12) ^ seq, 12);
  return iv;
}

// §4.1.1 applied to SRTCP (§3.4): the 31-bit SRTCP index in place of i.
function rtcpIv(salt: Buffer, ssrc: number, index: number): Buffer {
  const iv = Buffer.alloc(16);
  salt.copy(iv, 0);
  iv.writeUInt32BE((iv.readUInt32BE(4) ^ ssrc) >>> 0, 4);
  iv.writeUInt32BE((iv.readUInt32BE(10) ^ index) >>> 0, 10);
  return iv;
}

// §4.2: the tag covers the authenticated portion followed by the ROC.
function rtpTag(key: Buffer, authenticated: Buffer, roc: number): Buffer {
  const rocBytes = Buffer.allocUnsafe(4);
  rocBytes.writeUInt32BE(roc >>> 0, 0);
  return createHmac('sha1', key).update(authenticated).update(rocBytes).digest();
}
