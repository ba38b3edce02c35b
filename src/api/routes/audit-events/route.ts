import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isBreakGlassAction } from '../../../audit/index.ts';
import { breakGlassReasons, listAuditEvents } from '../../../directory/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf, withErrors } from '../common.ts';
import { presentAuditEvent } from './presenter.ts';
import { AuditEventPageView, AuditEventQuery } from './schema.ts';

export const auditEventRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get(
    '/audit-events',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: "The practice's audit log, newest first: filter by actor, action, object and time; page with `before`",
        querystring: AuditEventQuery,
        response: withErrors({ 200: AuditEventPageView }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      const q = req.query;
      const page = await listAuditEvents(
        db,
        p.practiceId,
        {
          ...(q.actor !== undefined ? { actorId: q.actor } : {}),
          ...(q.action !== undefined ? { action: q.action } : {}),
          ...(q.objectType !== undefined ? { objectType: q.objectType } : {}),
          ...(q.object !== undefined ? { objectId: q.object } : {}),
          ...(q.from !== undefined ? { from: new Date(q.from).toISOString() } : {}),
          ...(q.to !== undefined ? { to: new Date(q.to).toISOString() } : {}),
          ...(q.before !== undefined ? { beforeSeq: Number(q.before) } : {}),
          limit: Math.min(500, q.limit !== undefined ? Number(q.limit) : 100),
        },
        actorOf(req),
      );
      const grantIds = page.items.filter((e) => isBreakGlassAction(e.action) && typeof e.details['grantId'] === 'string').map((e) => e.details['grantId'] as string);
      const reasons = await breakGlassReasons(db, p.practiceId, grantIds);
      return { items: page.items.map((e) => presentAuditEvent(e, reasons)), nextBefore: page.nextBeforeSeq === null ? null : String(page.nextBeforeSeq) };
    },
  );
};
