// SRTP session key derivation, RFC 3711 §4.3, with the AES-CM PRF of §4.3.3.
//
// key_id = label || r, where r = index DIV key_derivation_rate (0 when the
// rate is 0, the default: keys are derived once per master key);
// x = key_id XOR master_salt, right-aligned; the session key is the AES-CM
// keystream under the master key starting at counter x * 2^16, cut to length.

import { createCipheriv } from 'node:crypto';
import type { SrtpCryptoSuite } from './crypto-suite.ts';

// RFC 3711 §4.3.1 labels (§4.3.2 for SRTCP).
export const SrtpLabel = {
  RTP_ENCRYPTION: 0x00,
  RTP_AUTHENTICATION: 0x01,
  RTP_SALT: 0x02,
  RTCP_ENCRYPTION: 0x03,
  RTCP_AUTHENTICATION: 0x04,
  RTCP_SALT: 0x05,
} as const;

/** One derived key: AES-CM keystream under the master key (r = 0). */
export function deriveSrtpKey(masterKey: Buffer, masterSalt: Buffer, label: number, length: number): Buffer {
  if (masterKey.length !== 16) throw new RangeError('AES-128 master key must be 16 octets');
  if (masterSalt.length !== 14) throw new RangeError('SRTP master salt must be 14 octets');
  const iv = Buffer.alloc(16);
  masterSalt.copy(iv, 0);
  // The label sits in the 7th octet from the right of the 112-bit salt; r (48 bits, here 0) after it.
  iv[7] = iv[7]! ^ label;
  const cipher = createCipheriv('aes-128-ctr', masterKey, iv);
  return cipher.update(Buffer.alloc(length));
}

export interface SrtpSessionKeys {
  readonly encryptionKey: Buffer;
  readonly authenticationKey: Buffer;
  readonly salt: Buffer;
}

export function deriveSessionKeys(
  suite: SrtpCryptoSuite,
  masterKey: Buffer,
  masterSalt: Buffer,
  stream: 'rtp' | 'rtcp',
): SrtpSessionKeys {
  const base = stream === 'rtp' ? SrtpLabel.RTP_ENCRYPTION : SrtpLabel.RTCP_ENCRYPTION;
  return {
    encryptionKey: deriveSrtpKey(masterKey, masterSalt, base, suite.sessionKeyLength),
    authenticationKey: deriveSrtpKey(masterKey, masterSalt, base + 1, suite.authKeyLength),
    salt: deriveSrtpKey(masterKey, masterSalt, base + 2, suite.sessionSaltLength),
  };
}
