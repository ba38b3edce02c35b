// SRTP crypto suites Sotto speaks, with their parameters from RFC 4568 §6.2
// (the names SDES offers them under). Both use AES-128 counter mode and
// HMAC-SHA1 with a 160-bit key; they differ in the RTP tag length only: the
// _32 suite still uses an 80-bit tag on SRTCP (RFC 4568 §6.2.2).

export type SrtpCryptoSuiteName = 'AES_CM_128_HMAC_SHA1_80' | 'AES_CM_128_HMAC_SHA1_32';

export interface SrtpCryptoSuite {
  readonly name: SrtpCryptoSuiteName;
  readonly masterKeyLength: number;
  readonly masterSaltLength: number;
  readonly sessionKeyLength: number;
  readonly sessionSaltLength: number;
  readonly authKeyLength: number;
  readonly rtpTagLength: number;
  readonly rtcpTagLength: number;
}

export const AES_CM_128_HMAC_SHA1_80: SrtpCryptoSuite = {
  name: 'AES_CM_128_HMAC_SHA1_80',
  masterKeyLength: 16,
  masterSaltLength: 14,
  sessionKeyLength: 16,
  sessionSaltLength: 14,
  authKeyLength: 20,
  rtpTagLength: 10,
  rtcpTagLength: 10,
};

export const AES_CM_128_HMAC_SHA1_32: SrtpCryptoSuite = {
  ...AES_CM_128_HMAC_SHA1_80,
  name: 'AES_CM_128_HMAC_SHA1_32',
  rtpTagLength: 4,
};

export const SRTP_CRYPTO_SUITES: Readonly<Record<SrtpCryptoSuiteName, SrtpCryptoSuite>> = {
  AES_CM_128_HMAC_SHA1_80,
  AES_CM_128_HMAC_SHA1_32,
};

export function findSrtpCryptoSuite(name: string): SrtpCryptoSuite | undefined {
  return Object.prototype.hasOwnProperty.call(SRTP_CRYPTO_SUITES, name)
    ? SRTP_CRYPTO_SUITES[name as SrtpCryptoSuiteName]
    : undefined;
}
