// Authentication and authorisation for API requests. Deny by default: a route
// without an access rule is refused.
import type { FastifyReply, FastifyRequest } from 'fastify';
import type { Kysely } from 'kysely';
import type { Database } from '../db/index.ts';
import { authenticateApiToken, roleAtLeast, type Role } from '../directory/index.ts';
import { ApiError } from './errors.ts';

export interface Principal {
  practiceId: string;
  userId: string;
  role: Role;
  via: 'token';
  credentialId: string;
}

/**
 * Who may call a route:
 * - 'public': no credentials (health, OpenAPI document);
 * - 'member': any signed-in member of the practice;
 * - 'admin': owners and admins;
 * - 'self-or-admin': the user named by the `:id` path parameter, or an admin.
 */
export type Access = 'public' | 'member' | 'admin' | 'self-or-admin';

declare module 'fastify' {
  interface FastifyRequest {
    principal?: Principal;
  }
  interface FastifyContextConfig {
    access?: Access;
  }
}

export function bearerToken(request: FastifyRequest): string | undefined {
  const h = request.headers.authorization;
  if (typeof h !== 'string') return undefined;
  const m = /^Bearer\s+(\S+)$/i.exec(h);
  return m?.[1];
}

export function authenticate(db: Kysely<Database>) {
  return async (request: FastifyRequest): Promise<void> => {
    const access = request.routeOptions.config?.access;
    if (access === 'public') return;
    const token = bearerToken(request);
    if (!token) throw new ApiError(401, 'UNAUTHENTICATED', 'sign in or send an API token as "Authorization: Bearer <token>"');
    const auth = await authenticateApiToken(db, token);
    if (!auth) throw new ApiError(401, 'UNAUTHENTICATED', 'the API token is not valid');
    request.principal = { practiceId: auth.practiceId, userId: auth.userId, role: auth.role, via: 'token', credentialId: auth.tokenId };
  };
}

export async function authorize(request: FastifyRequest, _reply: FastifyReply): Promise<void> {
  const access = request.routeOptions.config?.access;
  if (access === 'public') return;
  const p = request.principal;
  if (!p || !access) throw new ApiError(403, 'FORBIDDEN', 'not allowed');
  if (access === 'member') return;
  if (roleAtLeast(p.role, 'admin')) return;
  if (access === 'self-or-admin' && (request.params as { id?: string } | undefined)?.id === p.userId) return;
  throw new ApiError(403, 'FORBIDDEN', 'this needs an admin of the practice');
}

export function principalOf(request: FastifyRequest): Principal {
  if (!request.principal) throw new Error('route reached without a principal: access rule missing');
  return request.principal;
}
