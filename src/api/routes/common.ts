import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { DISPLAY_TEXT_PATTERN, type Actor } from '../../directory/index.ts';
import { principalOf } from '../principal.ts';

export const ErrorResponse = Type.Object(
  {
    error: Type.Object({
      code: Type.String({ description: 'Stable machine-readable code' }),
      message: Type.String(),
      details: Type.Optional(Type.Record(Type.String(), Type.Unknown())),
    }),
  },
  { $id: 'Error' },
);

export const IdParams = Type.Object({ id: Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$' }) });

/**
 * A name, label or reason people type: the directory's single-line display
 * text rule (directory/display-text.ts) as a pattern, so the schema refuses a
 * blank value or a control, line-break or bidi-override character with the
 * other field errors; the directory checks it again for the CLI.
 */
export function DisplayText(maxLength: number, options: { minLength?: number; description?: string } = {}) {
  return Type.String({ minLength: 1, maxLength, pattern: DISPLAY_TEXT_PATTERN, ...options });
}

/** The query of a route that takes none: an unknown parameter is a 400 like an unknown body field (server.ts gives it to every such route). */
export const NoQuery = Type.Object({}, { additionalProperties: false });

export const DEFAULT_PAGE_LIMIT = 100;

/** A page size, 1 to 500 exactly as the README says: a larger one is refused, not quietly cut to 500. */
export const PageLimit = Type.String({ pattern: '^([1-9][0-9]?|[1-4][0-9]{2}|500)$', description: `1-500, default ${DEFAULT_PAGE_LIMIT}` });

export function pageLimitOf(limit: string | undefined): number {
  return limit === undefined ? DEFAULT_PAGE_LIMIT : Number(limit);
}

/** The acting user and the address the request came from, for the audit log. */
export function actorOf(request: FastifyRequest): Actor {
  return { type: 'user', id: principalOf(request).userId, sourceIp: request.ip };
}
