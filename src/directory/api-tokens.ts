import { randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import { newId, type Database } from '../db/index.ts';
import { recordAudit } from './audit.ts';
import { checkDisplayText, DISPLAY_TEXT_MAX } from './display-text.ts';
import { DirectoryError } from './errors.ts';
import { lowerRole, type Actor, type Role } from './model.ts';
import { sha256Hex } from './secrets.ts';

export interface ApiTokenInfo {
  id: string;
  practiceId: string;
  userId: string;
  /** The token's role, capped at its user's role when used. */
  role: Role;
  label: string;
  createdAt: string;
}

export interface AuthenticatedToken {
  tokenId: string;
  practiceId: string;
  userId: string;
  role: Role;
}

const PREFIX = 'sotto_';

/** 256 random bits; stored as SHA-256 (a slow hash adds nothing at this entropy). */
export async function createApiToken(
  db: Kysely<Database>,
  practiceId: string,
  userId: string,
  role: Role,
  label: string,
  actor: Actor,
): Promise<{ token: string; info: ApiTokenInfo }> {
  const token = PREFIX + randomBytes(32).toString('base64url');
  return { token, info: await registerApiToken(db, practiceId, userId, role, label, token, actor) };
}

/**
 * Stores a token minted elsewhere (the demo derives its token from the master
 * key so reruns print the same one). Idempotent for the same token.
 */
export async function registerApiToken(
  db: Kysely<Database>,
  practiceId: string,
  userId: string,
  role: Role,
  label: string,
  token: string,
  actor: Actor,
): Promise<ApiTokenInfo> {
  if (!token.startsWith(PREFIX) || token.length < PREFIX.length + 43) throw new DirectoryError('INVALID_INPUT', 'not a Sotto API token');
  checkDisplayText(label, { field: 'label', what: "a token's label", max: DISPLAY_TEXT_MAX.tokenLabel });
  return db.transaction().execute(async (trx) => {
    const user = await trx.selectFrom('users').select(['id', 'status']).where('practice_id', '=', practiceId).where('id', '=', userId).executeTakeFirst();
    if (!user) throw new DirectoryError('NOT_FOUND', 'user not found');
    if (user.status !== 'active') throw new DirectoryError('USER_DISABLED', 'cannot issue a token to a disabled user');
    const existing = await trx.selectFrom('api_tokens').selectAll().where('token_hash', '=', sha256Hex(token)).executeTakeFirst();
    if (existing) {
      return { id: existing.id, practiceId: existing.practice_id, userId: existing.user_id, role: existing.role as Role, label: existing.label, createdAt: existing.created_at };
    }
    const info: ApiTokenInfo = { id: newId(), practiceId, userId, role, label, createdAt: new Date().toISOString() };
    await trx
      .insertInto('api_tokens')
      .values({
        id: info.id,
        practice_id: practiceId,
        user_id: userId,
        role,
        label,
        token_hash: sha256Hex(token),
        created_at: info.createdAt,
        last_used_at: null,
        revoked_at: null,
      })
      .execute();
    await recordAudit(trx, practiceId, actor, { action: 'token.create', object: { type: 'token', id: info.id }, details: { userId, role } });
    return info;
  });
}

/** Resolves a bearer token to its practice, user and effective role; undefined for anything not valid now. */
export async function authenticateApiToken(db: Kysely<Database>, token: string): Promise<AuthenticatedToken | undefined> {
  if (!token.startsWith(PREFIX) || token.length > 100) return undefined;
  const row = await db
    .selectFrom('api_tokens')
    .innerJoin('users', 'users.id', 'api_tokens.user_id')
    .select(['api_tokens.id', 'api_tokens.practice_id', 'api_tokens.user_id', 'api_tokens.role', 'users.role as user_role', 'users.status'])
    .where('api_tokens.token_hash', '=', sha256Hex(token))
    .where('api_tokens.revoked_at', 'is', null)
    .executeTakeFirst();
  if (!row || row.status !== 'active') return undefined;
  return { tokenId: row.id, practiceId: row.practice_id, userId: row.user_id, role: lowerRole(row.role as Role, row.user_role as Role) };
}

export async function revokeApiToken(db: Kysely<Database>, practiceId: string, tokenId: string, actor: Actor): Promise<void> {
  await db.transaction().execute(async (trx) => {
    const r = await trx
      .updateTable('api_tokens')
      .set({ revoked_at: new Date().toISOString() })
      .where('practice_id', '=', practiceId)
      .where('id', '=', tokenId)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    if (Number(r.numUpdatedRows) === 0) throw new DirectoryError('NOT_FOUND', 'token not found or already revoked');
    await recordAudit(trx, practiceId, actor, { action: 'token.revoke', object: { type: 'token', id: tokenId } });
  });
}
