/**
 * Portal sessions, server-side. The browser holds an opaque random token;
 * the database holds only its SHA-256, so a leaked sessions table cannot be
 * replayed as cookies.
 *
 * HIPAA 164.312(a)(2)(iii) asks for automatic logoff: a session ends after
 * an idle period (default 15 minutes, a practice may choose 5 to 30) and in
 * any case 12 hours after sign-in. A new token is issued at sign-in and again
 * when MFA completes, so a token planted before authentication (session
 * fixation) is worth nothing after it.
 *
 * Lifecycle:   (password ok) --> mfa_pending --(TOTP/recovery ok)--> active
 *              (password ok, no MFA) --------------------------------> active
 * Each arrow issues a fresh token and deletes the previous record.
 */
import { createHash, randomBytes } from 'node:crypto';
import type { Clock } from './clock.ts';
import { err, ok, type Result } from './result.ts';

export type SessionStage = 'mfa_pending' | 'active';

export interface SessionRecord {
  /** Hex SHA-256 of the token; the primary key. */
  idHash: string;
  userId: string;
  practiceId: string;
  stage: SessionStage;
  createdAt: number;
  lastSeenAt: number;
  absoluteExpiresAt: number;
  /** Fixed at creation from the practice's setting. */
  idleTimeoutMs: number;
  sourceIp: string | null;
}

/** Persistence the API layer provides (Kysely in production, memory in tests). */
export interface SessionStore {
  insert(record: SessionRecord): Promise<void>;
  findByIdHash(idHash: string): Promise<SessionRecord | null>;
  updateLastSeen(idHash: string, lastSeenAt: number): Promise<void>;
  delete(idHash: string): Promise<void>;
  /** Ends every session of a user (sign-out everywhere, deactivation). Returns how many. */
  deleteForUser(userId: string): Promise<number>;
  /** Housekeeping: drops records that can no longer be used. Returns how many. */
  deleteExpired(nowMs: number): Promise<number>;
}

export const IDLE_TIMEOUT_MIN_MINUTES = 5;
export const IDLE_TIMEOUT_MAX_MINUTES = 30;
export const IDLE_TIMEOUT_DEFAULT_MINUTES = 15;
export const ABSOLUTE_LIFETIME_MS = 12 * 60 * 60 * 1000;
/** Time allowed between the password and the second factor. */
export const MFA_PENDING_LIFETIME_MS = 5 * 60 * 1000;
/**
 * lastSeenAt is written at most this often, so a busy portal does not write
 * on every request. The idle check can then fire up to this much early,
 * never late.
 */
export const TOUCH_GRANULARITY_MS = 10_000;

export interface SessionContext {
  store: SessionStore;
  clock: Clock;
}

export type SessionConfigError = { code: 'session.invalid_idle_timeout'; min: number; max: number };

/** Validates a practice's idle timeout setting and turns it into milliseconds. */
export function idleTimeoutMs(minutes: number = IDLE_TIMEOUT_DEFAULT_MINUTES): Result<number, SessionConfigError> {
  if (!Number.isInteger(minutes) || minutes < IDLE_TIMEOUT_MIN_MINUTES || minutes > IDLE_TIMEOUT_MAX_MINUTES) {
    return err({ code: 'session.invalid_idle_timeout', min: IDLE_TIMEOUT_MIN_MINUTES, max: IDLE_TIMEOUT_MAX_MINUTES });
  }
  return ok(minutes * 60_000);
}

/** 256 random bits, base64url: the cookie value. */
export function newSessionToken(): string {
  return randomBytes(32).toString('base64url');
}

export function hashSessionToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

export interface StartSessionInput {
  userId: string;
  practiceId: string;
  /** True when the user must still pass TOTP or a recovery code. */
  mfaRequired: boolean;
  idleTimeoutMinutes?: number;
  sourceIp?: string | null;
  /** The cookie the browser came with, if any: it is discarded (rotation). */
  previousToken?: string | null;
}

export interface IssuedSession {
  /** Goes into the cookie; never stored, never logged. */
  token: string;
  session: SessionRecord;
}

/** Call after the password checked out. */
export async function startSession(ctx: SessionContext, input: StartSessionInput): Promise<IssuedSession> {
  const idle = idleTimeoutMs(input.idleTimeoutMinutes);
  if (!idle.ok) throw new Error(`idle timeout must be ${IDLE_TIMEOUT_MIN_MINUTES}-${IDLE_TIMEOUT_MAX_MINUTES} minutes`);
  if (input.previousToken) await ctx.store.delete(hashSessionToken(input.previousToken));
  const now = ctx.clock.now();
  const stage: SessionStage = input.mfaRequired ? 'mfa_pending' : 'active';
  return issue(ctx, {
    userId: input.userId,
    practiceId: input.practiceId,
    stage,
    createdAt: now,
    absoluteExpiresAt: now + (stage === 'active' ? ABSOLUTE_LIFETIME_MS : MFA_PENDING_LIFETIME_MS),
    idleTimeoutMs: idle.value,
    sourceIp: input.sourceIp ?? null,
  });
}

async function issue(ctx: SessionContext, fields: Omit<SessionRecord, 'idHash' | 'lastSeenAt'>): Promise<IssuedSession> {
  const token = newSessionToken();
  const session: SessionRecord = { ...fields, idHash: hashSessionToken(token), lastSeenAt: ctx.clock.now() };
  await ctx.store.insert(session);
  return { token, session };
}

export type SessionFailureCode =
  | 'session.missing'
  | 'session.unknown'
  | 'session.idle_timeout'
  | 'session.expired'
  | 'session.mfa_required'
  | 'session.not_mfa_pending';

/**
 * Looks up the session behind a cookie and enforces both timeouts. An ended
 * session is deleted on the spot. A live one has its lastSeenAt refreshed.
 *
 * `expect` says which stage the route needs: nearly every route wants
 * 'active'; only the MFA step accepts 'mfa_pending'.
 */
export async function resolveSession(
  ctx: SessionContext,
  token: string | null | undefined,
  expect: SessionStage = 'active',
): Promise<Result<SessionRecord, { code: SessionFailureCode }>> {
  if (!token) return err({ code: 'session.missing' });
  const session = await ctx.store.findByIdHash(hashSessionToken(token));
  if (session === null) return err({ code: 'session.unknown' });
  const now = ctx.clock.now();
  const ended = endReason(session, now);
  if (ended !== null) {
    await ctx.store.delete(session.idHash);
    return err({ code: ended });
  }
  if (session.stage !== expect) {
    return err({ code: session.stage === 'mfa_pending' ? 'session.mfa_required' : 'session.not_mfa_pending' });
  }
  if (now - session.lastSeenAt >= TOUCH_GRANULARITY_MS) {
    await ctx.store.updateLastSeen(session.idHash, now);
    return ok({ ...session, lastSeenAt: now });
  }
  return ok(session);
}

function endReason(session: SessionRecord, now: number): 'session.idle_timeout' | 'session.expired' | null {
  if (now >= session.absoluteExpiresAt) return 'session.expired';
  if (now - session.lastSeenAt >= session.idleTimeoutMs) return 'session.idle_timeout';
  return null;
}

/**
 * The second factor checked out: replace the mfa_pending session by an
 * active one under a new token. The 12-hour lifetime counts from here.
 */
export async function completeMfa(
  ctx: SessionContext,
  pendingToken: string,
): Promise<Result<IssuedSession, { code: SessionFailureCode }>> {
  const pending = await resolveSession(ctx, pendingToken, 'mfa_pending');
  if (!pending.ok) return pending;
  await ctx.store.delete(pending.value.idHash);
  const now = ctx.clock.now();
  return ok(
    await issue(ctx, {
      userId: pending.value.userId,
      practiceId: pending.value.practiceId,
      stage: 'active',
      createdAt: now,
      absoluteExpiresAt: now + ABSOLUTE_LIFETIME_MS,
      idleTimeoutMs: pending.value.idleTimeoutMs,
      sourceIp: pending.value.sourceIp,
    }),
  );
}

/** Sign-out: the token stops working at once, whatever state it was in. */
export async function endSession(ctx: SessionContext, token: string | null | undefined): Promise<void> {
  if (token) await ctx.store.delete(hashSessionToken(token));
}

/** Deactivation or "sign out everywhere". */
export async function endUserSessions(ctx: SessionContext, userId: string): Promise<number> {
  return ctx.store.deleteForUser(userId);
}

/** In-memory SessionStore for tests and single-process tools. */
export class MemorySessionStore implements SessionStore {
  readonly #records = new Map<string, SessionRecord>();

  async insert(record: SessionRecord): Promise<void> {
    if (this.#records.has(record.idHash)) throw new Error('duplicate session id');
    this.#records.set(record.idHash, { ...record });
  }

  async findByIdHash(idHash: string): Promise<SessionRecord | null> {
    const found = this.#records.get(idHash);
    return found ? { ...found } : null;
  }

  async updateLastSeen(idHash: string, lastSeenAt: number): Promise<void> {
    const found = this.#records.get(idHash);
    if (found) found.lastSeenAt = lastSeenAt;
  }

  async delete(idHash: string): Promise<void> {
    this.#records.delete(idHash);
  }

  async deleteForUser(userId: string): Promise<number> {
    let n = 0;
    for (const [key, record] of this.#records) if (record.userId === userId && this.#records.delete(key)) n++;
    return n;
  }

  async deleteExpired(nowMs: number): Promise<number> {
    let n = 0;
    for (const [key, r] of this.#records) {
      if (endReason(r, nowMs) !== null && this.#records.delete(key)) n++;
    }
    return n;
  }

  get size(): number {
    return this.#records.size;
  }
}
