/**
 * The digest computation shared by server and client: RFC 2617 3.2.2 with
 * the algorithms of RFC 7616 3.4.1 and RFC 8760 (SHA-256 and SHA-512/256
 * for SIP).
 *
 *   HA1      = H(username ":" realm ":" password)
 *   HA1-sess = H(HA1 ":" nonce ":" cnonce)                  (-sess algorithms)
 *   HA2      = H(method ":" digest-uri)                     (qop=auth)
 *   response = H(HA1 ":" nonce ":" nc ":" cnonce ":" qop ":" HA2)
 *   response = H(HA1 ":" nonce ":" HA2)                     (no qop, RFC 2069)
 */

import * as nodeCrypto from 'node:crypto';

/**
 * crypto.hash(), the one-shot digest of Node 20.12+ (package.json's engines):
 * a third of createHash().update().digest()'s cost for the short strings
 * digest hashes.
 */
const oneShotHash = nodeCrypto.hash;

export type DigestAlgorithm = 'MD5' | 'MD5-sess' | 'SHA-256' | 'SHA-256-sess' | 'SHA-512-256' | 'SHA-512-256-sess';

/** The base algorithms a stored HA1 exists for (a -sess variant reuses its base HA1). */
export type Ha1Algorithm = 'MD5' | 'SHA-256' | 'SHA-512-256';

const NODE_HASH: Record<Ha1Algorithm, string> = { MD5: 'md5', 'SHA-256': 'sha256', 'SHA-512-256': 'sha512-256' };

const ALGORITHMS: ReadonlyMap<string, DigestAlgorithm> = new Map(
  (['MD5', 'MD5-sess', 'SHA-256', 'SHA-256-sess', 'SHA-512-256', 'SHA-512-256-sess'] as const).map((a) => [a.toLowerCase(), a]),
);

/** The algorithm named in a challenge or credentials (case-insensitive), absent meaning MD5 (RFC 7616 3.3). */
export function parseAlgorithm(value: string | undefined): DigestAlgorithm | undefined {
  return value === undefined ? 'MD5' : ALGORITHMS.get(value.toLowerCase());
}

export function baseAlgorithm(a: DigestAlgorithm): Ha1Algorithm {
  return a.endsWith('-sess') ? (a.slice(0, -5) as Ha1Algorithm) : (a as Ha1Algorithm);
}

export function digestHash(algorithm: Ha1Algorithm, data: string): string {
  // Strings are hashed as UTF-8.
  return oneShotHash(NODE_HASH[algorithm], data, 'hex');
}

/**
 * HA1 = H(username:realm:password): what Sotto stores instead of the
 * password, one per algorithm offered.
 */
export function computeHa1(algorithm: Ha1Algorithm, username: string, realm: string, password: string): string {
  return digestHash(algorithm, `${username}:${realm}:${password}`);
}

export interface DigestInput {
  readonly algorithm: DigestAlgorithm;
  /** HA1 for the base algorithm (as from computeHa1). */
  readonly ha1: string;
  readonly nonce: string;
  readonly method: string;
  /** The digest-uri exactly as sent in the credentials. */
  readonly uri: string;
  /** 'auth' (the only qop Sotto offers) or undefined for RFC 2069 style. */
  readonly qop?: 'auth';
  /** nonce-count as 8 hex digits, e.g. `00000001`. */
  readonly nc?: string;
  readonly cnonce?: string;
}

/** The request-digest, lower-case hex. */
export function computeDigestResponse(input: DigestInput): string {
  const h = baseAlgorithm(input.algorithm);
  let ha1 = input.ha1.toLowerCase();
  if (input.algorithm.endsWith('-sess')) ha1 = digestHash(h, `${ha1}:${input.nonce}:${input.cnonce ?? ''}`);
  const ha2 = digestHash(h, `${input.method}:${input.uri}`);
  if (input.qop === undefined) return digestHash(h, `${ha1}:${input.nonce}:${ha2}`);
  return digestHash(h, `${ha1}:${input.nonce}:${input.nc ?? ''}:${input.cnonce ?? ''}:${input.qop}:${ha2}`);
}
