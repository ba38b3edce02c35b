/**
 * Stateless server nonces (RFC 7616 3.3 suggests "time-stamp H(time-stamp
 * ":" ETag ":" secret-data)"; Sotto signs with HMAC-SHA-256 instead).
 *
 *   nonce = base64url( issued-at (8 octets, ms) | random (8) | MAC (16) )
 *   MAC   = HMAC-SHA-256(secret, issued-at | random | realm), first 16 octets
 *
 * Nothing is stored per challenge: a flood of unauthenticated REGISTERs
 * costs no memory. The server knows a nonce is its own (MAC), how old it is
 * (issued-at) and for which realm it was issued.
 */

import { timingSafeEqual } from 'node:crypto';
import { randomInto } from '../message/random-pool.ts';
import { HmacSha256 } from './hmac-sha256.ts';

export type NonceCheck =
  | { readonly state: 'valid'; readonly issuedAt: number; readonly id: string }
  | { readonly state: 'stale'; readonly issuedAt: number; readonly id: string }
  | { readonly state: 'invalid' };

export interface NonceIssuerOptions {
  /** HMAC key, at least 32 octets. Share it between processes that serve the same realm. */
  readonly secret: Buffer;
  /** How long a nonce is accepted, in ms (default 5 minutes). */
  readonly lifetimeMs?: number;
  readonly now: () => number;
  /** Source of randomness (tests may inject a fixed one). */
  readonly random?: (n: number) => Buffer;
}

const TS = 8;
const RAND = 8;
const MAC = 16;
const RAW = TS + RAND + MAC;
/** Clock skew tolerated for a nonce "from the future" (another process, a stepped clock). */
const FUTURE_SLACK_MS = 5_000;

/** Every issue() and check() runs to its end synchronously, so one scratch buffer serves them all. */
const scratch = Buffer.alloc(RAW);
/** The MAC a nonce carries, and the one it should carry: fixed views, so a check allocates no Buffer. */
const carriedMac = scratch.subarray(TS + RAND, RAW);
const expectedMac = Buffer.alloc(MAC);

export class NonceIssuer {
  readonly lifetimeMs: number;
  /** HMAC-SHA-256 keyed once with the secret (see hmac-sha256.ts for why not createHmac). */
  private readonly hmac: HmacSha256;
  private readonly now: () => number;
  /** An injected source (tests); undefined means the pooled CSPRNG octets. */
  private readonly random: ((n: number) => Buffer) | undefined;

  constructor(options: NonceIssuerOptions) {
    if (options.secret.length < 32) throw new Error('nonce secret must be at least 32 octets');
    this.hmac = new HmacSha256(options.secret);
    this.lifetimeMs = options.lifetimeMs ?? 300_000;
    this.now = options.now;
    this.random = options.random;
  }

  issue(realm: string): string {
    // Built in a scratch buffer: the nonce leaves as text, and a Buffer per
    // challenge is an ArrayBuffer per challenge for the collector.
    const raw = scratch;
    raw.writeBigUInt64BE(BigInt(Math.max(0, Math.floor(this.now()))), 0);
    if (this.random) this.random(RAND).copy(raw, TS, 0, RAND);
    else randomInto(raw, TS, RAND);
    this.hmac.macInto(raw, 0, TS + RAND, realm, raw, TS + RAND, MAC);
    return raw.toString('base64url', 0, RAW);
  }

  check(nonce: string, realm: string): NonceCheck {
    if (nonce.length !== Math.ceil((RAW * 4) / 3) || !/^[A-Za-z0-9_-]+$/.test(nonce)) return { state: 'invalid' };
    const raw = scratch;
    if (raw.write(nonce, 0, RAW, 'base64url') !== RAW) return { state: 'invalid' };
    this.hmac.macInto(raw, 0, TS + RAND, realm, expectedMac, 0, MAC);
    if (!timingSafeEqual(expectedMac, carriedMac)) return { state: 'invalid' };
    const issuedAt = Number(raw.readBigUInt64BE(0));
    const age = this.now() - issuedAt;
    if (age < -FUTURE_SLACK_MS) return { state: 'invalid' };
    // The replay guard's key: issued-at and random identify the nonce (its
    // MAC was just checked), as a small string of its own; the nonce text
    // itself is a slice of the request and would keep the whole request in
    // memory for the nonce's lifetime.
    const id = raw.toString('latin1', 0, TS + RAND);
    return age > this.lifetimeMs ? { state: 'stale', issuedAt, id } : { state: 'valid', issuedAt, id };
  }
}
