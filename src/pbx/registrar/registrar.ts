// The registrar (RFC 3261 10.3) as a pipeline of small steps:
// throttle -> identify (domain -> practice) -> authenticate (digest) ->
// authorise (a device binds only its own AOR) -> bind -> answer.
// Logs carry ids and codes only, never URIs, user names or addresses.
import type { AddressBackoff } from '../../auth/index.ts';
import { DigestAuthenticator } from '../../sip/auth/index.ts';
import { createResponse, getAuthorizations, getHeader, getTo, headerField, isSipUri, type HeaderField, type SipRequest } from '../../sip/message/index.ts';
import type { ServerTransaction } from '../../sip/transaction/index.ts';
import { LogThrottle, type MessageSource } from '../../sip/transport/index.ts';
import { applyRegister, contactHeaders } from './apply-register.ts';
import { addressOfRecord, DEFAULT_REGISTRAR_LIMITS, type RegistrarLimits } from './binding.ts';
import type { LocationStore } from './location-store.ts';

/** A value, or the promise of one when it must be fetched. */
export type MaybePromise<T> = T | Promise<T>;

export interface RegistrarCredential {
  deviceId: string;
  practiceId: string;
  extension: string;
  ha1Md5: string;
  ha1Sha256: string;
}

/**
 * What the registrar needs to know of the directory; no plain secret
 * crosses it. Answers come at once when cached (the registrar then waits on
 * nothing until its binding's commit), or as promises.
 */
export interface RegistrarDirectory {
  /** The practice a request's domain belongs to (single-practice installs accept any domain). */
  practiceForDomain(domain: string): MaybePromise<{ id: string; realm: string } | undefined>;
  credential(realm: string, username: string): MaybePromise<RegistrarCredential | undefined>;
}

export interface RegistrarLogger {
  debug(fields: Record<string, unknown>, message: string): void;
  info(fields: Record<string, unknown>, message: string): void;
  warn(fields: Record<string, unknown>, message: string): void;
}

export interface RegistrarOptions {
  directory: RegistrarDirectory;
  store: LocationStore;
  /**
   * Failed-auth throttles (failures only; success never counts): one keyed by
   * source address and user name, strict, against guessing one password; one
   * keyed by address alone, looser, against spraying many names. A phone
   * with a wrong password thus blocks itself, not the whole office behind
   * the same NAT address.
   */
  backoff: { perUser: AddressBackoff; perAddress: AddressBackoff };
  nonceSecret: Buffer;
  now: () => number;
  limits?: RegistrarLimits;
  algorithms?: Array<'MD5' | 'SHA-256'>;
  logger: RegistrarLogger;
}

export interface RegistrarStats {
  registered: number;
  challenged: number;
  authFailed: number;
  throttled: number;
  forbidden: number;
}

export const MD5_ONLY_AGENTS: readonly RegExp[] = [/^baresip v[01]\./];

/**
 * Whether this user agent must be challenged with MD5 alone: some fail the
 * whole request when any challenge names an algorithm they lack, instead of
 * picking one they support (RFC 8760 2.4). baresip/libre up to 1.x
 * ("Function not implemented") is the one seen here. Shared by every
 * digest challenge Sotto sends (REGISTER, INVITE, SUBSCRIBE).
 */
export function needsMd5OnlyChallenge(request: SipRequest): boolean {
  const ua = getHeader(request.headers, 'user-agent') ?? '';
  return MD5_ONLY_AGENTS.some((re) => re.test(ua));
}

/** What the digest check looked up, kept for the steps after it. */
interface CredentialLookup {
  readonly practiceId: string;
  username: string | undefined;
  cred: RegistrarCredential | undefined;
}

// Module functions, not closures made per REGISTER: nothing to allocate
// for each request.
function ha1Of(looked: CredentialLookup, username: string, cred: RegistrarCredential | undefined, algorithm: string): string | undefined {
  looked.username = username;
  looked.cred = cred;
  if (!cred || cred.practiceId !== looked.practiceId) return undefined;
  return algorithm === 'SHA-256' ? cred.ha1Sha256 : cred.ha1Md5;
}

function reply(tx: ServerTransaction, request: SipRequest, status: number, reason?: string, headers: HeaderField[] = []): void {
  tx.respond(createResponse(request, status, reason, { headers }));
}

export class Registrar {
  readonly stats: RegistrarStats = { registered: 0, challenged: 0, authFailed: 0, throttled: 0, forbidden: 0 };
  private readonly authenticators = new Map<string, DigestAuthenticator>();
  private readonly limits: RegistrarLimits;
  /** One auth-failure line per source address per second (see logAuthFailure). */
  private readonly failureLog: LogThrottle;

  constructor(private readonly o: RegistrarOptions) {
    this.limits = o.limits ?? DEFAULT_REGISTRAR_LIMITS;
    this.failureLog = new LogThrottle({ windowMs: 1000, now: o.now });
  }

  async handle(tx: ServerTransaction, request: SipRequest, source: MessageSource): Promise<void> {
    // Throttle: an address, or a user name from an address, that keeps
    // failing is refused before any digest work.
    const claimed = getAuthorizations(request)[0]?.params.get('username');
    const userKey = claimed !== undefined ? `${source.address}\u0000${claimed}` : undefined;
    const byAddress = this.o.backoff.perAddress.check(source.address);
    const gate = byAddress.allowed && userKey ? this.o.backoff.perUser.check(userKey) : byAddress;
    if (!gate.allowed) {
      this.stats.throttled++;
      return void reply(tx, request, 403, 'Forbidden', [headerField('Retry-After', String(Math.ceil(gate.retryAfterMs / 1000)))]);
    }

    // Identify: the To header names the address-of-record (RFC 3261 10.2).
    const to = getTo(request);
    if (!to || !isSipUri(to.uri) || to.uri.user === undefined) return void reply(tx, request, 400, 'Invalid To');
    // Awaited only when not at hand: each await is a trip through the microtask queue.
    const practiceAsked = this.o.directory.practiceForDomain(to.uri.host);
    const practice = practiceAsked instanceof Promise ? await practiceAsked : practiceAsked;
    if (!practice) return void reply(tx, request, 404, 'Not Found');

    // Authenticate: same answer for an unknown user and a wrong password.
    const auth = this.authenticator(practice.realm);
    // The authenticator looks up the one user name the credentials carry.
    const looked: CredentialLookup = { practiceId: practice.id, username: undefined, cred: undefined };
    const checked = auth.authenticate(request, (username, realm, algorithm) => {
      const cred = this.o.directory.credential(realm, username);
      return cred instanceof Promise ? cred.then((c) => ha1Of(looked, username, c, algorithm)) : ha1Of(looked, username, cred, algorithm);
    });
    const result = checked instanceof Promise ? await checked : checked;
    if (!result.ok) {
      const e = result.error;
      if (e.countsAsFailure) {
        this.stats.authFailed++;
        this.o.backoff.perAddress.recordFailure(source.address);
        if (userKey) this.o.backoff.perUser.recordFailure(userKey);
        this.logAuthFailure(source.address, e.code, source.protocol);
      } else this.stats.challenged++;
      if (e.status === 401 || e.status === 407) {
        // Stateful, although RFC 3261 8.2.7 would allow a stateless
        // challenge: each challenge carries a fresh nonce, so a retransmitted
        // REGISTER answered anew gets a 401 that differs from the first, and
        // sipp (the benchmark's and interop tests' client) aborts on it under
        // load. The transaction resends the very same 401 instead.
        return void reply(tx, request, 401, 'Unauthorized', this.challenger(practice.realm, request).challenge(e.stale));
      }
      return void reply(tx, request, e.status, undefined);
    }
    const cred = looked.username === result.value.username ? looked.cred : undefined;
    if (!cred) return void reply(tx, request, 500, 'Server Internal Error');

    // Authorise: a device may only bind its own extension's AOR.
    if (to.uri.user !== cred.extension) {
      this.stats.forbidden++;
      this.o.logger.warn({ event: 'sip.register.foreign_aor', deviceId: cred.deviceId }, 'device tried to bind another address-of-record');
      return void reply(tx, request, 403, 'Forbidden');
    }

    const aor = addressOfRecord(practice.id, cred.extension);
    const now = this.o.now();
    const current = this.o.store.lookup(aor);
    const outcome = applyRegister(request, { aor, deviceId: cred.deviceId, now, limits: this.limits, source: { transport: source.protocol.toLowerCase(), address: source.address, port: source.port } }, current instanceof Promise ? await current : current);
    if (!outcome.ok) return void reply(tx, request, outcome.status, outcome.reason, outcome.headers ?? []);
    if (outcome.upsert.length > 0 || outcome.remove.length > 0) await this.o.store.apply(practice.id, aor, outcome.upsert, outcome.remove);
    this.stats.registered++;
    // Debug: phones re-register every few minutes; an info line each time
    // cost more than the registration and buries the events that matter.
    this.o.logger.debug({ event: 'sip.register.ok', deviceId: cred.deviceId, bound: outcome.bindings.length, removed: outcome.remove.length }, 'register');
    reply(tx, request, 200, 'OK', [...contactHeaders(outcome.bindings, now), this.dateHeader(now)]);
  }

  private date: { second: number; field: HeaderField } | undefined;

  /** RFC 3261 10.3 step 8 / 20.17: the Date field, made once per second (phones set their clocks from it). */
  private dateHeader(now: number): HeaderField {
    const second = Math.floor(now / 1000);
    if (this.date?.second !== second) this.date = { second, field: headerField('Date', new Date(second * 1000).toUTCString()) };
    return this.date.field;
  }

  /**
   * One info line per source address per second, carrying how many failures
   * it stands for. A flood of bad REGISTERs (thousands a second) must not
   * cost a log write each: that was a large share of a failed attempt's CPU
   * and would fill the disk for the attacker.
   */
  private logAuthFailure(address: string, code: string, transport: string): void {
    const suppressedSinceLast = this.failureLog.due(address);
    if (suppressedSinceLast !== undefined) this.o.logger.info({ event: 'sip.register.auth_failed', code, transport, suppressedSinceLast }, 'register refused');
  }

  private authenticator(realm: string, algorithms?: Array<'MD5' | 'SHA-256'>): DigestAuthenticator {
    const offered = algorithms ?? this.o.algorithms;
    // The usual case, keyed by the realm alone: no key string built per REGISTER.
    const key = algorithms ? `${realm}\u0000${algorithms.join(',')}` : realm;
    let a = this.authenticators.get(key);
    if (!a) {
      // Every instance shares the nonce secret, so any of them verifies any nonce.
      a = new DigestAuthenticator({ realm, nonceSecret: this.o.nonceSecret, now: this.o.now, ...(offered ? { algorithms: offered } : {}) });
      this.authenticators.set(key, a);
    }
    return a;
  }

  /**
   * The authenticator whose challenge this phone can answer. Some user agents
   * fail the whole registration when any challenge names an algorithm they
   * lack, instead of picking one they support (RFC 8760 2.4); they get MD5
   * alone. baresip/libre up to 1.x ("Register: Function not implemented") is
   * the one seen here.
   */
  private challenger(realm: string, request: SipRequest): DigestAuthenticator {
    return needsMd5OnlyChallenge(request) ? this.authenticator(realm, ['MD5']) : this.authenticator(realm);
  }
}
