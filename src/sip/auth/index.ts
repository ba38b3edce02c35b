/**
 * SIP digest authentication (RFC 3261 22, RFC 2617, RFC 7616, RFC 8760).
 */

export { computeHa1, computeDigestResponse, digestHash, parseAlgorithm, baseAlgorithm, type DigestAlgorithm, type Ha1Algorithm, type DigestInput } from './digest.ts';
export { NonceIssuer, type NonceCheck, type NonceIssuerOptions } from './nonce.ts';
export { ReplayGuard, type ReplayVerdict, type ReplayGuardOptions } from './replay-guard.ts';
export { DigestAuthenticator, type DigestAuthenticatorOptions, type Ha1Lookup, type Authenticated } from './digest-server.ts';
export { createAuthorization, selectChallenge, type AuthorizationInput, type DigestClientCredentials } from './digest-client.ts';
export type { AuthError, AuthErrorCode } from './errors.ts';
