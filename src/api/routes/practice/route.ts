import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getPractice, roleAtLeast, updatePractice } from '../../../directory/index.ts';
import { ApiError } from '../../errors.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf } from '../common.ts';
import { presentPractice } from './presenter.ts';
import { PracticePatch, PracticeView } from './schema.ts';

export const practiceRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get('/practice', { config: { access: 'member' }, schema: { tags: ['practice'], summary: 'The current practice', response: { 200: PracticeView } } }, async (req) =>
    presentPractice(await getPractice(db, principalOf(req).practiceId)),
  );

  app.patch(
    '/practice',
    { config: { access: 'admin' }, schema: { tags: ['practice'], summary: 'Rename the practice or change its plan tier', body: PracticePatch, response: { 200: PracticeView } } },
    async (req) => {
      const p = principalOf(req);
      // Changing the plan is a contract decision: owners only.
      if (req.body.tier !== undefined && !roleAtLeast(p.role, 'owner')) throw new ApiError('FORBIDDEN', 'only an owner can change the plan tier');
      return presentPractice(await updatePractice(db, p.practiceId, req.body, actorOf(req)));
    },
  );
};
