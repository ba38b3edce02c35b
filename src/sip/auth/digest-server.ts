/**
 * Server side of SIP digest authentication (RFC 3261 22.1/22.4, RFC 2617,
 * RFC 7616, RFC 8760): issues challenges and verifies credentials against
 * stored HA1 values, never the password.
 *
 * Flow: a request without usable credentials gets 401/407 with one
 * challenge per offered algorithm (MD5 first by default: many phones read
 * only the first, DESIGN.md). A request with credentials is checked in this
 * order: syntax, realm, algorithm/qop offered, digest-uri, nonce MAC, the
 * digest itself (constant time), then nonce age and nonce-count. The digest
 * is checked before age so that stale=true only ever tells a client that
 * knows the password to retry (RFC 7616 3.3).
 */

import { timingSafeEqual } from 'node:crypto';
import { getAuthorizations } from '../message/headers/accessors.ts';
import { formatAuthField } from '../message/headers/auth-field.ts';
import { headerField } from '../message/headers/header-list.ts';
import { parseUri, uriEquals } from '../message/uri.ts';
import { err, ok, type AuthField, type HeaderField, type Result, type SipRequest } from '../message/types.ts';
import { baseAlgorithm, computeDigestResponse, digestHash, parseAlgorithm, type DigestAlgorithm, type Ha1Algorithm } from './digest.ts';
import type { AuthError, AuthErrorCode } from './errors.ts';
import { NonceIssuer, type NonceCheck } from './nonce.ts';
import { ReplayGuard } from './replay-guard.ts';

/** Looks up the stored HA1 of a user for one algorithm; undefined when there is no such user. */
export type Ha1Lookup = (username: string, realm: string, algorithm: Ha1Algorithm) => Promise<string | undefined> | string | undefined;

export interface DigestAuthenticatorOptions {
  readonly realm: string;
  /** HMAC key for nonces, 32+ octets. */
  readonly nonceSecret: Buffer;
  /** Injected clock, ms since the epoch. */
  readonly now: () => number;
  /** Algorithms offered, in challenge order. Default MD5 then SHA-256. */
  readonly algorithms?: readonly DigestAlgorithm[];
  /** Nonce lifetime in ms (default 5 minutes). */
  readonly nonceLifetimeMs?: number;
  /** Nonces tracked by the replay guard (default 100,000). */
  readonly replayCapacity?: number;
  /** 407 / Proxy-Authenticate / Proxy-Authorization instead of 401 / WWW-Authenticate / Authorization. */
  readonly proxy?: boolean;
  readonly random?: (n: number) => Buffer;
}

export interface Authenticated {
  readonly username: string;
  readonly algorithm: DigestAlgorithm;
}

/** Digest credentials as sent, after the checks that need no secret. */
interface Credentials {
  readonly username: string;
  readonly nonce: string;
  readonly uri: string;
  readonly response: string;
  readonly algorithm: DigestAlgorithm;
  readonly qop: 'auth';
  readonly nc: string;
  readonly ncValue: number;
  readonly cnonce: string;
}

const STATUS_FOR = (proxy: boolean) => (proxy ? 407 : 401);

export class DigestAuthenticator {
  readonly realm: string;
  readonly algorithms: readonly DigestAlgorithm[];
  private readonly nonces: NonceIssuer;
  private readonly replay: ReplayGuard;
  private readonly now: () => number;
  private readonly proxy: boolean;

  constructor(options: DigestAuthenticatorOptions) {
    this.realm = options.realm;
    this.algorithms = options.algorithms ?? ['MD5', 'SHA-256'];
    if (this.algorithms.length === 0) throw new Error('at least one digest algorithm must be offered');
    this.now = options.now;
    this.proxy = options.proxy ?? false;
    this.nonces = new NonceIssuer({
      secret: options.nonceSecret,
      now: options.now,
      ...(options.nonceLifetimeMs !== undefined ? { lifetimeMs: options.nonceLifetimeMs } : {}),
      ...(options.random ? { random: options.random } : {}),
    });
    this.replay = new ReplayGuard({
      lifetimeMs: this.nonces.lifetimeMs,
      ...(options.replayCapacity !== undefined ? { capacity: options.replayCapacity } : {}),
    });
  }

  /** Header name for challenges (WWW-Authenticate or Proxy-Authenticate). */
  get challengeHeaderName(): string {
    return this.proxy ? 'Proxy-Authenticate' : 'WWW-Authenticate';
  }

  /**
   * One challenge field per offered algorithm, sharing one nonce (RFC 8760
   * 2.4: a client picks the first it supports).
   */
  challenge(stale = false): HeaderField[] {
    const nonce = this.nonces.issue(this.realm);
    const templates = this.challengeTemplates(stale);
    const name = this.challengeHeaderName;
    const out: HeaderField[] = [];
    for (const [before, after] of templates) out.push(headerField(name, before + nonce + after));
    return out;
  }

  /** Per `stale`: each algorithm's challenge text split around the nonce. */
  private readonly templates: Array<ReadonlyArray<readonly [string, string]> | undefined> = [undefined, undefined];

  /**
   * The challenge fields differ only by their nonce, so their text is
   * formatted once and the nonce put in its place. A nonce is base64url,
   * which a quoted-string holds as is: the result is what formatAuthField
   * would write.
   */
  private challengeTemplates(stale: boolean): ReadonlyArray<readonly [string, string]> {
    const slot = stale ? 1 : 0;
    let t = this.templates[slot];
    if (!t) {
      const MARK = 'nonce0placeholder';
      t = this.algorithms.map((algorithm) => {
        const params: [string, string][] = [
          ['realm', this.realm],
          ['nonce', MARK],
          ['algorithm', algorithm],
          ['qop', 'auth'],
        ];
        if (stale) params.push(['stale', 'true']);
        const text = formatAuthField('Digest', params);
        // The nonce comes after the realm and before fixed tokens: its mark is the last one, whatever the realm holds.
        const at = text.lastIndexOf(MARK);
        return [text.slice(0, at), text.slice(at + MARK.length)] as const;
      });
      this.templates[slot] = t;
    }
    return t;
  }

  /**
   * Verifies the request's credentials; on failure the error says what to
   * answer. Synchronous when `lookupHa1` is (a cached credential): a
   * registrar answers most REGISTERs without waiting on anything.
   */
  authenticate(request: SipRequest, lookupHa1: Ha1Lookup): Result<Authenticated, AuthError> | Promise<Result<Authenticated, AuthError>> {
    const picked = this.pickCredentials(request);
    if (!picked.ok) return picked;
    const cred = picked.value;
    const nonceCheck = this.nonces.check(cred.nonce, this.realm);
    if (nonceCheck.state === 'invalid') return this.fail('SIP_AUTH_BAD_NONCE');
    const stored = lookupHa1(cred.username, this.realm, baseAlgorithm(cred.algorithm));
    return stored instanceof Promise ? stored.then((ha1) => this.verify(request, cred, nonceCheck, ha1)) : this.verify(request, cred, nonceCheck, stored);
  }

  /** The digest, then the nonce's age and count, for credentials whose nonce is ours. */
  private verify(request: SipRequest, cred: Credentials, nonceCheck: Exclude<NonceCheck, { state: 'invalid' }>, stored: string | undefined): Result<Authenticated, AuthError> {
    // An unknown user costs the same work and gets the same answer as a wrong password.
    const ha1 = stored ?? digestHash(baseAlgorithm(cred.algorithm), `\u0000unknown:${this.realm}:${cred.username}`);
    const expected = computeDigestResponse({
      algorithm: cred.algorithm,
      ha1,
      nonce: cred.nonce,
      method: request.method,
      uri: cred.uri,
      qop: cred.qop,
      nc: cred.nc,
      cnonce: cred.cnonce,
    });
    const match = constantTimeEqualHex(expected, cred.response);
    if (!match || stored === undefined) return this.fail('SIP_AUTH_FAILED');

    if (nonceCheck.state === 'stale') return this.fail('SIP_AUTH_STALE_NONCE');
    const verdict = this.replay.use(nonceCheck.id, nonceCheck.issuedAt, cred.ncValue, this.now());
    if (verdict === 'replay') return this.fail('SIP_AUTH_REPLAY');
    if (verdict === 'forgotten') return this.fail('SIP_AUTH_STALE_NONCE');
    return ok({ username: cred.username, algorithm: cred.algorithm });
  }

  private fail(code: AuthErrorCode): { ok: false; error: AuthError } {
    const badRequest = code === 'SIP_AUTH_MALFORMED' || code === 'SIP_AUTH_URI_MISMATCH';
    return err({
      code,
      status: badRequest ? 400 : STATUS_FOR(this.proxy),
      stale: code === 'SIP_AUTH_STALE_NONCE' || code === 'SIP_AUTH_REPLAY',
      countsAsFailure: code === 'SIP_AUTH_FAILED',
    });
  }

  /**
   * Finds Digest credentials for our realm (RFC 3261 22.4: a request may
   * carry credentials for several realms) and checks what needs no secret.
   */
  private pickCredentials(request: SipRequest): Result<Credentials, AuthError> {
    let field: AuthField | undefined;
    for (const f of getAuthorizations(request, this.proxy)) {
      if (f.scheme.toLowerCase() === 'digest' && f.params.get('realm') === this.realm) {
        field = f;
        break;
      }
    }
    // Other schemes (RFC 4475 3.3.7 regaut01) and other realms: just challenge.
    if (!field) return this.fail('SIP_AUTH_NO_CREDENTIALS');
    const p = field.params;
    const username = p.get('username');
    const nonce = p.get('nonce');
    const uri = p.get('uri');
    const response = p.get('response');
    if (!username || !nonce || !uri || !response) return this.fail('SIP_AUTH_MALFORMED');
    const algorithm = parseAlgorithm(p.get('algorithm'));
    if (!algorithm || !this.algorithms.includes(algorithm)) return this.fail('SIP_AUTH_UNSUPPORTED');
    // We always offer qop=auth and then the client must use it (RFC 2617 3.2.2).
    const qop = p.get('qop');
    if (qop === undefined || qop.toLowerCase() !== 'auth') return this.fail('SIP_AUTH_UNSUPPORTED');
    const nc = p.get('nc');
    const cnonce = p.get('cnonce');
    if (!nc || !/^[0-9a-fA-F]{8}$/.test(nc) || !cnonce) return this.fail('SIP_AUTH_MALFORMED');
    if (!this.uriMatches(uri, request)) return this.fail('SIP_AUTH_URI_MISMATCH');
    return ok({ username, nonce, uri, response, algorithm, qop: 'auth', nc, ncValue: parseInt(nc, 16), cnonce });
  }

  private uriMatches(digestUri: string, request: SipRequest): boolean {
    const parsed = parseUri(digestUri);
    return parsed.ok && uriEquals(parsed.value, request.uri);
  }
}

/** Scratch space for constantTimeEqualHex: both digests side by side (SHA-512/256 hex is 64 characters). */
let compareScratch = Buffer.alloc(256);

/** Compares two hex digests without leaking where they differ. */
function constantTimeEqualHex(expected: string, given: string): boolean {
  const a = expected.toLowerCase();
  const b = given.toLowerCase();
  // In one reused buffer: two Buffer.from() per check were two pool slices per REGISTER.
  const need = a.length + b.length;
  if (need > compareScratch.length) compareScratch = Buffer.alloc(need);
  const aLength = compareScratch.write(a, 0, 'latin1');
  const bLength = compareScratch.write(b, aLength, 'latin1');
  const x = compareScratch.subarray(0, aLength);
  if (aLength !== bLength) {
    timingSafeEqual(x, x);
    return false;
  }
  return timingSafeEqual(x, compareScratch.subarray(aLength, aLength + bLength));
}
