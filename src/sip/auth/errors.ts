/**
 * Digest authentication outcomes and the answer each one gets.
 *
 * A wrong password and an unknown user are the same code and the same
 * answer (DESIGN.md "identical answers"), so a scanner learns nothing about
 * which extensions exist.
 */

export type AuthErrorCode =
  /** No Digest credentials for our realm: challenge (RFC 3261 22.1). */
  | 'SIP_AUTH_NO_CREDENTIALS'
  /** Credentials we cannot read (missing parameters, bad nc): 400 (RFC 2617 3.2.2). */
  | 'SIP_AUTH_MALFORMED'
  /** digest-uri does not match the Request-URI: 400 (RFC 2617 3.2.2.5). */
  | 'SIP_AUTH_URI_MISMATCH'
  /** An algorithm or qop we did not offer: new challenge. */
  | 'SIP_AUTH_UNSUPPORTED'
  /** Not a nonce of ours (bad MAC, other realm, mangled): new challenge. */
  | 'SIP_AUTH_BAD_NONCE'
  /** Right digest, expired or forgotten nonce: challenge with stale=true (RFC 7616 3.3). */
  | 'SIP_AUTH_STALE_NONCE'
  /** nc not above the last accepted for this nonce: challenge with stale=true. */
  | 'SIP_AUTH_REPLAY'
  /** Wrong digest or unknown user: new challenge, counted as a failure by throttling. */
  | 'SIP_AUTH_FAILED';

export interface AuthError {
  readonly code: AuthErrorCode;
  /** 401 (or 407 for proxy authentication) or 400. */
  readonly status: number;
  /** Whether the answer's challenge carries stale=true. */
  readonly stale: boolean;
  /** A failed guess at a secret: what per-IP throttling should count. */
  readonly countsAsFailure: boolean;
}
