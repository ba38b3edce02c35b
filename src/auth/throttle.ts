/**
 * Throttling of failed authentication, counting failures only.
 *
 * AccountLockout: N failures for one account within a window lock it for a
 *   while (longer each time it happens again). Keyed by the normalised email
 *   as typed, whether or not such a user exists, so an unknown email locks
 *   just like a real one and the answers stay indistinguishable.
 * AddressBackoff: every failure from a source address past a few free ones
 *   doubles a delay, up to a cap; quiet time forgets it. Successes neither
 *   count nor reset anything: a busy office behind one NAT address must not
 *   be slowed by its own successful sign-ins or registrations, and an
 *   attacker cannot reset the counter by interleaving a good login.
 *
 * Two ways to apply AddressBackoff:
 *  - portal sign-in: `check()` before verifying the password and answer
 *    "try later" while blocked (cheap refusal, no argon2 work burned);
 *  - SIP registrar: verify the digest first; on success proceed untouched;
 *    on failure call `recordFailure()` and hold the 401/403 for `delayMs`
 *    (or drop it). Phones that authenticate correctly are never delayed.
 *
 * Memory is bounded with an LRU per table. A flood of distinct keys can push
 * old entries out (an attacker rotating addresses could evict a lock); the
 * capacity should comfortably exceed the number of real accounts.
 */
import type { Clock } from './clock.ts';
import { LruMap } from './lru-map.ts';

export type ThrottleDecision = { allowed: true } | { allowed: false; retryAfterMs: number };

const ALLOWED: ThrottleDecision = Object.freeze({ allowed: true });

export interface AccountLockoutOptions {
  clock: Clock;
  /** Failures within `windowMs` that lock the account. Default 5. */
  maxFailures?: number;
  /** Default 15 minutes. */
  windowMs?: number;
  /** First lockout. Default 15 minutes; doubles with each repeat, up to `maxLockoutMs`. */
  lockoutMs?: number;
  /** Default 24 hours. */
  maxLockoutMs?: number;
  /** Default 100 000 accounts. */
  maxEntries?: number;
}

interface AccountState {
  /** Times of recent failures, oldest first, at most maxFailures. */
  failures: number[];
  lockedUntil: number;
  /** Lockouts so far, for escalation; forgotten after a quiet day. */
  lockouts: number;
  lastEventAt: number;
}

export class AccountLockout {
  readonly #clock: Clock;
  readonly #maxFailures: number;
  readonly #windowMs: number;
  readonly #lockoutMs: number;
  readonly #maxLockoutMs: number;
  readonly #state: LruMap<string, AccountState>;

  constructor(options: AccountLockoutOptions) {
    this.#clock = options.clock;
    this.#maxFailures = options.maxFailures ?? 5;
    this.#windowMs = options.windowMs ?? 15 * 60_000;
    this.#lockoutMs = options.lockoutMs ?? 15 * 60_000;
    this.#maxLockoutMs = options.maxLockoutMs ?? 24 * 60 * 60_000;
    this.#state = new LruMap(options.maxEntries ?? 100_000);
    if (this.#maxFailures < 1) throw new Error('maxFailures must be at least 1');
  }

  check(account: string): ThrottleDecision {
    const state = this.#state.get(account);
    const now = this.#clock.now();
    if (state && now < state.lockedUntil) return { allowed: false, retryAfterMs: state.lockedUntil - now };
    return ALLOWED;
  }

  /** Records a failed attempt and returns whether the account is now locked. */
  recordFailure(account: string): ThrottleDecision {
    const now = this.#clock.now();
    const state = this.#state.get(account) ?? { failures: [], lockedUntil: 0, lockouts: 0, lastEventAt: now };
    if (now - state.lastEventAt > this.#maxLockoutMs) state.lockouts = 0;
    state.lastEventAt = now;
    if (now < state.lockedUntil) {
      // Attempts while locked are refused before the password is checked; they do not extend the lock.
      this.#state.set(account, state);
      return { allowed: false, retryAfterMs: state.lockedUntil - now };
    }
    state.failures = state.failures.filter((t) => now - t < this.#windowMs);
    state.failures.push(now);
    if (state.failures.length >= this.#maxFailures) {
      state.lockouts += 1;
      const duration = Math.min(this.#lockoutMs * 2 ** (state.lockouts - 1), this.#maxLockoutMs);
      state.lockedUntil = now + duration;
      state.failures = [];
    }
    this.#state.set(account, state);
    return now < state.lockedUntil ? { allowed: false, retryAfterMs: state.lockedUntil - now } : ALLOWED;
  }

  /** A successful sign-in clears the account's failure count (not an active lock: it could not have happened). */
  recordSuccess(account: string): void {
    const state = this.#state.get(account);
    if (state && this.#clock.now() >= state.lockedUntil) this.#state.delete(account);
  }

  /** An admin unlocking the account by hand. */
  unlock(account: string): void {
    this.#state.delete(account);
  }

  get size(): number {
    return this.#state.size;
  }
}

export interface AddressBackoffOptions {
  clock: Clock;
  /** Failures allowed before any delay. Default 3. */
  freeFailures?: number;
  /** Delay after the first counted failure; doubles with each next one. Default 1 s. */
  baseDelayMs?: number;
  /** Default 5 minutes. */
  maxDelayMs?: number;
  /** Quiet time after which an address's record is forgotten. Default 15 minutes. */
  forgetAfterMs?: number;
  /** Default 50 000 addresses. */
  maxEntries?: number;
}

interface AddressState {
  failures: number;
  lastFailureAt: number;
  blockedUntil: number;
}

export class AddressBackoff {
  readonly #clock: Clock;
  readonly #free: number;
  readonly #base: number;
  readonly #max: number;
  readonly #forget: number;
  readonly #state: LruMap<string, AddressState>;

  constructor(options: AddressBackoffOptions) {
    this.#clock = options.clock;
    this.#free = options.freeFailures ?? 3;
    this.#base = options.baseDelayMs ?? 1000;
    this.#max = options.maxDelayMs ?? 5 * 60_000;
    this.#forget = options.forgetAfterMs ?? 15 * 60_000;
    this.#state = new LruMap(options.maxEntries ?? 50_000);
  }

  check(address: string): ThrottleDecision {
    const state = this.#live(address);
    const now = this.#clock.now();
    if (state && now < state.blockedUntil) return { allowed: false, retryAfterMs: state.blockedUntil - now };
    return ALLOWED;
  }

  /** Counts a failure; `delayMs` is how long this address should now wait (0 while within the free failures). */
  recordFailure(address: string): { delayMs: number } {
    const now = this.#clock.now();
    const state = this.#live(address) ?? { failures: 0, lastFailureAt: now, blockedUntil: 0 };
    state.failures += 1;
    state.lastFailureAt = now;
    const over = state.failures - this.#free;
    const delayMs = over > 0 ? Math.min(this.#base * 2 ** Math.min(over - 1, 30), this.#max) : 0;
    state.blockedUntil = Math.max(state.blockedUntil, now + delayMs);
    this.#state.set(address, state);
    return { delayMs };
  }

  get size(): number {
    return this.#state.size;
  }

  #live(address: string): AddressState | undefined {
    const state = this.#state.get(address);
    if (state && this.#clock.now() - state.lastFailureAt >= Math.max(this.#forget, state.blockedUntil - state.lastFailureAt)) {
      this.#state.delete(address);
      return undefined;
    }
    return state;
  }
}

export type SignInThrottleRefusal = { code: 'throttle.account_locked' | 'throttle.address_slowed'; retryAfterMs: number };

/**
 * Portal sign-in: account lockout plus address backoff. Usage:
 *   const gate = throttle.check(email, ip); if (gate) refuse(gate);
 *   ...verify...; failure ? throttle.recordFailure(email, ip) : throttle.recordSuccess(email);
 * The refusal should be shown the same way for every account (known or not).
 */
export class SignInThrottle {
  constructor(
    readonly accounts: AccountLockout,
    readonly addresses: AddressBackoff,
  ) {}

  static create(clock: Clock): SignInThrottle {
    return new SignInThrottle(new AccountLockout({ clock }), new AddressBackoff({ clock }));
  }

  /** Null when the attempt may proceed to password verification. */
  check(email: string, address: string): SignInThrottleRefusal | null {
    const account = this.accounts.check(normalizeAccountKey(email));
    if (!account.allowed) return { code: 'throttle.account_locked', retryAfterMs: account.retryAfterMs };
    const source = this.addresses.check(address);
    if (!source.allowed) return { code: 'throttle.address_slowed', retryAfterMs: source.retryAfterMs };
    return null;
  }

  recordFailure(email: string, address: string): void {
    this.accounts.recordFailure(normalizeAccountKey(email));
    this.addresses.recordFailure(address);
  }

  recordSuccess(email: string): void {
    this.accounts.recordSuccess(normalizeAccountKey(email));
  }
}

/** " Dr.A@Example.COM " and "dr.a@example.com" are one account to the throttle. */
export function normalizeAccountKey(email: string): string {
  return email.normalize('NFKC').trim().toLowerCase();
}
