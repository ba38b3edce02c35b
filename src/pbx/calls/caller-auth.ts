// Authenticating a caller's INVITE (RFC 3261 22.3: a server that is not
// the request's final target challenges with 407 Proxy-Authenticate). The
// phone answers with the same digest credentials it registers with, so
// the lookup is the registrar's.
import { DigestAuthenticator } from '../../sip/auth/index.ts';
import { getTo, isSipUri, type HeaderField, type SipRequest } from '../../sip/message/index.ts';
import { needsMd5OnlyChallenge, type RegistrarDirectory } from '../registrar/registrar.ts';

export interface Caller {
  readonly practiceId: string;
  readonly realm: string;
  readonly deviceId: string;
  readonly extension: string;
}

export type CallerAuthOutcome =
  | { readonly ok: true; readonly caller: Caller }
  | { readonly ok: false; readonly status: number; readonly headers: readonly HeaderField[]; readonly code: string; readonly countsAsFailure?: boolean };

export class CallerAuthenticator {
  private readonly authenticators = new Map<string, DigestAuthenticator>();

  /**
   * `proxy` (default true): challenge with 407 Proxy-Authenticate, as an
   * intermediary does for INVITE. False for requests Sotto answers as their
   * final target (SUBSCRIBE for MWI): 401 WWW-Authenticate (RFC 3261 22.2).
   */
  constructor(private readonly o: { directory: RegistrarDirectory; nonceSecret: Buffer; now: () => number; proxy?: boolean }) {}

  async authenticate(request: SipRequest): Promise<CallerAuthOutcome> {
    // The practice is the one the callee's domain names (To, as the registrar reads it).
    const to = getTo(request);
    const host = to && isSipUri(to.uri) ? to.uri.host : isSipUri(request.uri) ? request.uri.host : undefined;
    if (host === undefined) return { ok: false, status: 404, headers: [], code: 'CALL_NO_DOMAIN' };
    const practice = await this.o.directory.practiceForDomain(host);
    if (!practice) return { ok: false, status: 404, headers: [], code: 'CALL_UNKNOWN_DOMAIN' };

    const auth = this.authenticator(practice.realm);
    let found: Awaited<ReturnType<RegistrarDirectory['credential']>>;
    const result = await auth.authenticate(request, async (username, realm, algorithm) => {
      const cred = await this.o.directory.credential(realm, username);
      if (!cred || cred.practiceId !== practice.id) return undefined;
      found = cred;
      return algorithm === 'SHA-256' ? cred.ha1Sha256 : cred.ha1Md5;
    });
    if (!result.ok) {
      const e = result.error;
      // Same answer for an unknown user and a wrong password: a fresh challenge.
      const challenger = needsMd5OnlyChallenge(request) ? this.authenticator(practice.realm, ['MD5']) : auth;
      if (e.status === 401 || e.status === 407) return { ok: false, status: this.o.proxy === false ? 401 : 407, headers: challenger.challenge(e.stale), code: e.code, countsAsFailure: e.countsAsFailure };
      return { ok: false, status: e.status, headers: [], code: e.code, countsAsFailure: e.countsAsFailure };
    }
    if (!found) return { ok: false, status: 500, headers: [], code: 'CALL_CREDENTIAL_LOST' };
    return { ok: true, caller: { practiceId: practice.id, realm: practice.realm, deviceId: found.deviceId, extension: found.extension } };
  }

  private authenticator(realm: string, algorithms?: Array<'MD5' | 'SHA-256'>): DigestAuthenticator {
    const key = `${realm}\u0000${algorithms?.join(',') ?? ''}`;
    let a = this.authenticators.get(key);
    if (!a) {
      // Every instance shares the nonce secret, so any of them verifies any nonce.
      a = new DigestAuthenticator({ realm, nonceSecret: this.o.nonceSecret, now: this.o.now, proxy: this.o.proxy ?? true, ...(algorithms ? { algorithms } : {}) });
      this.authenticators.set(key, a);
    }
    return a;
  }
}
