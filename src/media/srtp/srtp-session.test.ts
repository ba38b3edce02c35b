import { describe, expect, it } from 'vitest';
import { createCipheriv } from 'node:crypto';
import { AES_CM_128_HMAC_SHA1_32, AES_CM_128_HMAC_SHA1_80 } from './crypto-suite.ts';
import { deriveSrtpKey, SrtpLabel } from './key-derivation.ts';
import { ReplayWindow } from './replay-window.ts';
import { SrtpSession } from './srtp-session.ts';

const hex = (s: string) => Buffer.from(s.replace(/\s+/g, ''), 'hex');

// RFC 3711 Appendix B.3 master key and salt; libsrtp's reference packets use them too.
const masterKey = hex('E1F97A0D3E018BE0D64FA32C06DE4139');
const masterSalt = hex('0EC675AD498AFEEBB6960B3AABE6');

describe('SRTP key derivation (RFC 3711 Appendix B.3)', () => {
  it('derives the session encryption key, salt and authentication key', () => {
    expect(deriveSrtpKey(masterKey, masterSalt, SrtpLabel.RTP_ENCRYPTION, 16).toString('hex')).toBe('c61e7a93744f39ee10734afe3ff7a087');
    expect(deriveSrtpKey(masterKey, masterSalt, SrtpLabel.RTP_SALT, 14).toString('hex')).toBe('30cbbc08863d8c85d49db34a9ae1');
    expect(deriveSrtpKey(masterKey, masterSalt, SrtpLabel.RTP_AUTHENTICATION, 94).toString('hex')).toBe(
      'cebe321f6ff7716b6fd4ab49af256a156d38baa48f0a0acf3c34e2359e6cdbce' +
        'e049646c43d9327ad175578ef72270986371c10c9a369ac2f94a8c5fbcdddc25' +
        '6d6e919a48b610ef17c2041e474035766b68642c59bbfc2f34db60dbdfb2',
    );
  });
});

describe('AES-CM keystream (RFC 3711 Appendix B.2)', () => {
  it('produces the keystream for the B.2 session key and salt', () => {
    // With SSRC, ROC and SEQ zero the §4.1.1 IV is the salt shifted 16 bits.
    const iv = hex('F0F1F2F3F4F5F6F7F8F9FAFBFCFD0000');
    const keystream = createCipheriv('aes-128-ctr', hex('2B7E151628AED2A6ABF7158809CF4F3C'), iv).update(Buffer.alloc(48));
    expect(keystream.toString('hex')).toBe(
      'e03ead0935c95e80e166b16dd92b4eb4' + 'd23513162b02d0f72a43a2fe4a5f97ab' + '41e95b3bb0a2e8dd477901e4fca894c0',
    );
  });

  it('lays out the §4.1.1 IV from salt, SSRC and index when protecting', () => {
    // The B.3 session key and salt, with the IV built by hand for SSRC
    // 0xcafebabe and index 0x1234, must give the payload keystream.
    const session = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const plain = hex('800f1234decafbadcafebabe' + '00'.repeat(32));
    const r = session.protectRtp(plain);
    expect(r.ok).toBe(true);
    if (!r.ok) return;
    const key = hex('c61e7a93744f39ee10734afe3ff7a087');
    // IV = salt XOR (SSRC << 64) XOR (index << 16)
    const iv = hex('30cbbc08' + '4cc3363b' + 'd49db34a' + '88d5' + '0000');
    const keystream = createCipheriv('aes-128-ctr', key, iv).update(Buffer.alloc(32));
    expect(r.value.subarray(12, 44)).toEqual(keystream);
  });
});

// libsrtp's srtp_validate() reference packets (default AES_CM_128_HMAC_SHA1_80 policy, SSRC 0xcafebabe).
const rtpPlain = hex('800f1234decafbadcafebabe' + 'ab'.repeat(16));
const srtpCipher = hex('800f1234decafbadcafebabe' + '4e55dc4ce79978d88ca4d215949d2402' + 'b78d6acc99ea179b8dbb');
const rtcpPlain = hex('81c8000bcafebabe' + 'ab'.repeat(16));
const srtcpCipher = hex('81c8000bcafebabe' + '7128035be487b9bdbef89041f977a5a8' + '80000001' + '993e08cd54d6c1230798');

describe('SRTP protect/unprotect', () => {
  it('protects the reference RTP packet to the reference bytes, and back', () => {
    const tx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const out = tx.protectRtp(rtpPlain);
    expect(out.ok && out.value.toString('hex')).toBe(srtpCipher.toString('hex'));
    const rx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const back = rx.unprotectRtp(srtpCipher);
    expect(back.ok && back.value.toString('hex')).toBe(rtpPlain.toString('hex'));
  });

  it('uses a 4-octet tag with the _32 suite', () => {
    const tx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_32, masterKey, masterSalt });
    const out = tx.protectRtp(rtpPlain);
    expect(out.ok && out.value.toString('hex')).toBe(srtpCipher.subarray(0, 32).toString('hex'));
  });

  it('protects the reference RTCP packet to the reference bytes, and back', () => {
    const tx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const out = tx.protectRtcp(rtcpPlain);
    expect(out.ok && out.value.toString('hex')).toBe(srtcpCipher.toString('hex'));
    const rx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const back = rx.unprotectRtcp(srtcpCipher);
    expect(back.ok && back.value.toString('hex')).toBe(rtcpPlain.toString('hex'));
    // SRTCP keeps an 80-bit tag under the _32 suite (RFC 4568 §6.2.2).
    const tx32 = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_32, masterKey, masterSalt });
    const out32 = tx32.protectRtcp(rtcpPlain);
    expect(out32.ok && out32.value.toString('hex')).toBe(srtcpCipher.toString('hex'));
  });

  it('refuses a tampered packet, a replay, and a packet under another key', () => {
    const rx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const tampered = Buffer.from(srtpCipher);
    tampered[20] = tampered[20]! ^ 1;
    expect(codeOf(rx.unprotectRtp(tampered))).toBe('SRTP_AUTH_FAILED');
    expect(rx.unprotectRtp(srtpCipher).ok).toBe(true);
    expect(codeOf(rx.unprotectRtp(srtpCipher))).toBe('SRTP_REPLAYED');
    const other = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey: Buffer.alloc(16, 1), masterSalt });
    expect(codeOf(other.unprotectRtp(srtpCipher))).toBe('SRTP_AUTH_FAILED');
    expect(codeOf(rx.unprotectRtcp(Buffer.concat([srtcpCipher.subarray(0, 30), Buffer.alloc(8)])))).toBe('SRTP_AUTH_FAILED');
    expect(rx.unprotectRtcp(srtcpCipher).ok).toBe(true);
    expect(codeOf(rx.unprotectRtcp(srtcpCipher))).toBe('SRTP_REPLAYED');
  });

  it('refuses short and malformed packets without throwing', () => {
    const rx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    expect(codeOf(rx.unprotectRtp(hex('800f1234')))).toBe('SRTP_TOO_SHORT');
    expect(codeOf(rx.unprotectRtp(hex('9f0f1234decafbadcafebabe' + '00'.repeat(12))))).toBe('SRTP_BAD_HEADER');
    expect(codeOf(rx.unprotectRtcp(hex('81c8000bcafebabe')))).toBe('SRTP_TOO_SHORT');
    for (let len = 0; len < 64; len++) {
      const junk = Buffer.alloc(len, 0x90);
      expect(() => rx.unprotectRtp(junk)).not.toThrow();
      expect(() => rx.unprotectRtcp(junk)).not.toThrow();
    }
  });

  it('follows the rollover counter across the sequence wrap, with reordering', () => {
    const tx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const rx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const packets: Buffer[] = [];
    for (let i = 0; i < 12; i++) {
      const seq = (65530 + i) & 0xffff;
      const plain = Buffer.from(rtpPlain);
      plain.writeUInt16BE(seq, 2);
      plain[12] = i;
      const p = tx.protectRtp(plain);
      if (!p.ok) throw new Error(p.error.code);
      packets.push(p.value);
    }
    expect(tx.rolloverCounter(0xcafebabe)).toBe(1);
    // Deliver with 65535 and 0 swapped, and one loss (seq 2).
    const order = [0, 1, 2, 3, 4, 6, 5, 7, 9, 10, 11];
    const received = order.map((i) => rx.unprotectRtp(packets[i]!));
    expect(received.map((r) => r.ok && r.value[12])).toEqual(order);
    expect(rx.rolloverCounter(0xcafebabe)).toBe(1);
  });

  it('carries a negotiated MKI between payload and tag, and checks it', () => {
    const mki = hex('00000001');
    const tx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt, mki });
    const out = tx.protectRtp(rtpPlain);
    // Same ciphertext and tag as without an MKI: the MKI is not authenticated.
    expect(out.ok && out.value.toString('hex')).toBe(srtpCipher.subarray(0, 28).toString('hex') + '00000001' + srtpCipher.subarray(28).toString('hex'));
    const rx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt, mki });
    expect(out.ok && rx.unprotectRtp(out.value).ok).toBe(true);
    const other = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt, mki: hex('00000002') });
    expect(out.ok && codeOf(other.unprotectRtp(out.value))).toBe('SRTP_UNKNOWN_MKI');
    const rtcp = tx.protectRtcp(rtcpPlain);
    expect(rtcp.ok && rtcp.value.toString('hex')).toBe(srtcpCipher.subarray(0, 28).toString('hex') + '00000001' + srtcpCipher.subarray(28).toString('hex'));
    expect(rtcp.ok && rx.unprotectRtcp(rtcp.value).ok).toBe(true);
  });

  it('rejects a packet from behind the replay window', () => {
    const tx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const rx = new SrtpSession({ suite: AES_CM_128_HMAC_SHA1_80, masterKey, masterSalt });
    const protect = (seq: number) => {
      const plain = Buffer.from(rtpPlain);
      plain.writeUInt16BE(seq, 2);
      const p = tx.protectRtp(plain);
      if (!p.ok) throw new Error(p.error.code);
      return p.value;
    };
    const old = protect(1000);
    expect(rx.unprotectRtp(protect(1001)).ok).toBe(true);
    expect(rx.unprotectRtp(protect(1200)).ok).toBe(true);
    expect(codeOf(rx.unprotectRtp(old))).toBe('SRTP_TOO_OLD');
  });
});

describe('replay window', () => {
  it('accepts new indices, flags repeats, and forgets what slid out', () => {
    const w = new ReplayWindow(64);
    w.accept(10);
    w.accept(12);
    expect(w.check(11)).toBe('new');
    expect(w.check(12)).toBe('replayed');
    w.accept(74);
    expect(w.check(10)).toBe('too-old');
    expect(w.check(12)).toBe('replayed');
    expect(w.check(11)).toBe('new');
    w.accept(500);
    expect(w.check(499)).toBe('new');
    expect(w.check(436)).toBe('too-old');
    expect(w.check(437)).toBe('new');
  });
});

function codeOf(r: { ok: boolean; error?: { code: string } }): string | undefined {
  return r.ok ? undefined : r.error?.code;
}
