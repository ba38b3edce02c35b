/**
 * Client side of digest authentication: answering a 401/407 challenge
 * (RFC 3261 22.2/22.3, RFC 7616 3.4). Used by tests and, later, by trunks
 * that register upstream.
 */

import { getChallenges } from '../message/headers/accessors.ts';
import { formatAuthField } from '../message/headers/auth-field.ts';
import { randomOctets } from '../message/random-pool.ts';
import type { AuthField, SipResponse } from '../message/types.ts';
import { baseAlgorithm, computeDigestResponse, computeHa1, parseAlgorithm, type DigestAlgorithm } from './digest.ts';

export interface DigestClientCredentials {
  readonly username: string;
  readonly password: string;
}

export interface AuthorizationInput extends DigestClientCredentials {
  readonly method: string;
  /** digest-uri: the Request-URI as sent. */
  readonly uri: string;
  /** nonce-count for this nonce, starting at 1. */
  readonly nc?: number;
  readonly cnonce?: string;
}

/**
 * Picks the first Digest challenge whose algorithm we support (RFC 8760
 * 2.4: challenges are in the server's order of preference).
 */
export function selectChallenge(response: SipResponse, supported: readonly DigestAlgorithm[] = ['SHA-256', 'MD5', 'SHA-512-256']): AuthField | undefined {
  const proxy = response.status === 407;
  for (const c of getChallenges(response, proxy)) {
    if (c.scheme.toLowerCase() !== 'digest') continue;
    const alg = parseAlgorithm(c.params.get('algorithm'));
    if (alg && supported.includes(alg)) return c;
  }
  return undefined;
}

/** The Authorization (or Proxy-Authorization) header value answering `challenge`. */
export function createAuthorization(challenge: AuthField, input: AuthorizationInput): string | undefined {
  const realm = challenge.params.get('realm');
  const nonce = challenge.params.get('nonce');
  const algorithm = parseAlgorithm(challenge.params.get('algorithm'));
  if (realm === undefined || nonce === undefined || !algorithm) return undefined;
  const qops = (challenge.params.get('qop') ?? '').split(',').map((q) => q.trim().toLowerCase());
  const useQop = qops.includes('auth');
  const nc = (input.nc ?? 1).toString(16).padStart(8, '0');
  // From the pooled CSPRNG octets: a randomBytes() call per answer cost more than the rest of it.
  const cnonce = input.cnonce ?? randomOctets(12).toString('base64url');
  const response = computeDigestResponse({
    algorithm,
    ha1: computeHa1(baseAlgorithm(algorithm), input.username, realm, input.password),
    nonce,
    method: input.method,
    uri: input.uri,
    ...(useQop ? { qop: 'auth' as const, nc, cnonce } : {}),
  });
  const params: [string, string][] = [
    ['username', input.username],
    ['realm', realm],
    ['nonce', nonce],
    ['uri', input.uri],
    ['response', response],
    ['algorithm', algorithm],
  ];
  if (useQop) params.push(['qop', 'auth'], ['nc', nc], ['cnonce', cnonce]);
  const opaque = challenge.params.get('opaque');
  if (opaque !== undefined) params.push(['opaque', opaque]);
  // In credentials qop, nc and algorithm are bare tokens (RFC 7616 3.4).
  return formatAuthField('Digest', params, new Set(['algorithm', 'qop', 'nc']));
}
