import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { openBreakGlass } from '../../../directory/index.ts';
import { canBreakGlass } from '../../access-policy.ts';
import { ApiError } from '../../errors.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf } from '../common.ts';
import { presentBreakGlass } from './presenter.ts';
import { BreakGlassBody, BreakGlassView } from './schema.ts';

export const breakGlassRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.post(
    '/break-glass',
    {
      config: { access: 'member', errors: ['FORBIDDEN', 'NOT_FOUND'] },
      schema: {
        tags: ['access'],
        summary: "Emergency access to another user's PHI: a stated reason, time-limited, recorded and shown prominently in the audit log",
        body: BreakGlassBody,
        response: { 201: BreakGlassView },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      if (!canBreakGlass(p.role)) throw new ApiError('FORBIDDEN', 'ask an admin for a grant to this voicemail box');
      const grant = await openBreakGlass(db, p.practiceId, { userId: p.userId, ...req.body }, actorOf(req));
      return reply.status(201).send(presentBreakGlass(grant));
    },
  );
};
