import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listCallRecords } from '../../../pbx/cdr/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf, pageLimitOf } from '../common.ts';
import { presentCallRecord } from './presenter.ts';
import { CallRecordPageView, CallRecordQuery } from './schema.ts';

export const callRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get(
    '/calls',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['calls'],
        summary: "The practice's call detail records, newest first; page with `before` (each read is audited)",
        querystring: CallRecordQuery,
        response: { 200: CallRecordPageView },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const page = await listCallRecords(db, p.practiceId, { ...(req.query.before !== undefined ? { before: req.query.before } : {}), limit: pageLimitOf(req.query.limit) }, actorOf(req));
      return { items: page.items.map(presentCallRecord), nextBefore: page.nextBefore };
    },
  );
};
