// SDES a=crypto attributes, RFC 4568 §9.1:
//
//   a=crypto:<tag> <crypto-suite> <key-params> [<session-param>]*
//   key-params = key-param *(";" key-param)
//   key-param  = "inline:" <base64 key||salt> ["|" lifetime] ["|" MKI ":" length]
//
// e.g. a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:PS1uQCVeeCFCanVmcjkpPywjNWhcYD0mXXtxaVBR|2^20|1:32
//
// The key travels in clear text inside the SDP, which is why Sotto only
// sends these lines over TLS signalling (RFC 4568 §8.3).

import { err, ok, type MediaError, type Result } from '../result.ts';
import { findSrtpCryptoSuite } from '../srtp/crypto-suite.ts';

export interface SdesKeyParam {
  /** Master key followed by master salt. */
  readonly keySalt: Buffer;
  /** Packets the key may protect (RFC 4568 §6.1), when given. */
  readonly lifetime?: number;
  readonly mki?: { readonly value: number; readonly length: number };
}

export interface CryptoAttribute {
  readonly tag: number;
  readonly suite: string;
  readonly keyParams: readonly SdesKeyParam[];
  /** Session parameters as written (KDR=, UNENCRYPTED_SRTP, …). */
  readonly sessionParams: readonly string[];
}

export type CryptoAttributeParseErrorCode = 'SDES_BAD_SYNTAX' | 'SDES_BAD_KEY' | 'SDES_BAD_LIFETIME' | 'SDES_BAD_MKI';

export type CryptoAttributeParseError = MediaError<CryptoAttributeParseErrorCode>;

const BASE64 = /^[A-Za-z0-9+/]+={0,2}$/;

/** Parses the value of an a=crypto attribute (after "crypto:"). */
export function parseCryptoAttribute(value: string): Result<CryptoAttribute, CryptoAttributeParseError> {
  const parts = value.trim().split(/\s+/);
  if (parts.length < 3) return err('SDES_BAD_SYNTAX', 'a=crypto needs a tag, a suite and key parameters');
  const [tagText, suite, keyText, ...sessionParams] = parts as [string, string, string, ...string[]];
  if (!/^\d{1,9}$/.test(tagText)) return err('SDES_BAD_SYNTAX', 'a=crypto tag must be 1-9 digits');
  const keyParams: SdesKeyParam[] = [];
  for (const kp of keyText.split(';')) {
    if (!kp.startsWith('inline:')) return err('SDES_BAD_SYNTAX', 'only the inline key method is defined');
    const [b64, ...rest] = kp.slice('inline:'.length).split('|') as [string, ...string[]];
    if (!BASE64.test(b64)) return err('SDES_BAD_KEY', 'key is not base64');
    // Into a buffer of its own, not a slice of Node's shared pool: the key
    // and salt go to a media worker, and posting a pool slice copies the
    // whole 8 KiB slab with whatever other secrets it holds.
    const decoded = Buffer.from(b64, 'base64');
    const keySalt = Buffer.from(new ArrayBuffer(decoded.length));
    decoded.copy(keySalt);
    decoded.fill(0);
    const known = findSrtpCryptoSuite(suite);
    if (known && keySalt.length !== known.masterKeyLength + known.masterSaltLength) {
      return err('SDES_BAD_KEY', `${suite} needs ${known.masterKeyLength + known.masterSaltLength} octets of key and salt`);
    }
    let lifetime: number | undefined;
    let mki: SdesKeyParam['mki'];
    for (const field of rest) {
      if (field.includes(':')) {
        // RFC 4568 §9.1: MKI value ":" length, the length in octets, 1..128.
        const m = /^(\d{1,10}):(\d{1,3})$/.exec(field);
        if (!m || Number(m[2]) < 1 || Number(m[2]) > 128 || mki) return err('SDES_BAD_MKI', 'malformed MKI');
        mki = { value: Number(m[1]), length: Number(m[2]) };
      } else {
        const m = /^(?:2\^(\d{1,2})|(\d{1,16}))$/.exec(field);
        if (!m || lifetime !== undefined) return err('SDES_BAD_LIFETIME', 'malformed key lifetime');
        lifetime = m[1] !== undefined ? 2 ** Number(m[1]) : Number(m[2]);
      }
    }
    keyParams.push({ keySalt, ...(lifetime !== undefined ? { lifetime } : {}), ...(mki ? { mki } : {}) });
  }
  return ok({ tag: Number(tagText), suite, keyParams, sessionParams });
}

export function serializeCryptoAttribute(attr: CryptoAttribute): string {
  const keys = attr.keyParams.map((kp) => {
    let s = `inline:${kp.keySalt.toString('base64')}`;
    if (kp.lifetime !== undefined) s += `|${lifetimeText(kp.lifetime)}`;
    if (kp.mki) s += `|${kp.mki.value}:${kp.mki.length}`;
    return s;
  });
  return [String(attr.tag), attr.suite, keys.join(';'), ...attr.sessionParams].join(' ');
}

function lifetimeText(n: number): string {
  const exp = Math.log2(n);
  return Number.isInteger(exp) ? `2^${exp}` : String(n);
}
