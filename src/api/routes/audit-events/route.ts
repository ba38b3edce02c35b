import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { isBreakGlassAction } from '../../../audit/index.ts';
import { breakGlassReasons, listAuditEvents } from '../../../directory/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { queryTimestamp } from '../../timestamp.ts';
import { actorOf, pageLimitOf } from '../common.ts';
import { verifyPracticeChain } from './chain-status.ts';
import { exportPracticeChain } from './export.ts';
import { presentAuditEvent, presentChainStatus } from './presenter.ts';
import { AuditEventPageView, AuditEventQuery, AuditExportQuery, AuditExportResponse, ChainStatusView } from './schema.ts';

export const auditEventRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get(
    '/audit-events',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: "The practice's audit log, newest first: filter by actor, action, object and time; page with `before`",
        querystring: AuditEventQuery,
        response: { 200: AuditEventPageView },
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
          ...(q.from !== undefined ? { from: queryTimestamp(q.from, 'from') } : {}),
          ...(q.to !== undefined ? { to: queryTimestamp(q.to, 'to') } : {}),
          ...(q.before !== undefined ? { beforeSeq: Number(q.before) } : {}),
          limit: pageLimitOf(q.limit),
        },
        actorOf(req),
      );
      const grantIds = page.items.filter((e) => isBreakGlassAction(e.action) && typeof e.details['grantId'] === 'string').map((e) => e.details['grantId'] as string);
      const reasons = await breakGlassReasons(db, p.practiceId, grantIds);
      return { items: page.items.map((e) => presentAuditEvent(e, reasons)), nextBefore: page.nextBeforeSeq === null ? null : String(page.nextBeforeSeq) };
    },
  );

  app.get(
    '/audit-events/verify',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: "Verify the practice's audit chain (what `sotto audit verify` does): ok, or the first broken link and why",
        response: { 200: ChainStatusView },
      },
    },
    async (req, reply) => {
      const checkedAt = new Date();
      const result = await verifyPracticeChain(db, principalOf(req).practiceId, actorOf(req));
      void reply.header('cache-control', 'no-store');
      return presentChainStatus(result, checkedAt);
    },
  );

  app.get(
    '/audit-events/export',
    {
      config: { access: 'admin' },
      schema: {
        tags: ['audit'],
        summary: "The practice's audit log (or the events from `from` to before `to`) as JSON Lines with its chain, what `sotto audit export` writes; recorded before it is sent",
        querystring: AuditExportQuery,
        response: { 200: AuditExportResponse },
      },
    },
    async (req, reply) => {
      const q = req.query;
      const from = q.from !== undefined ? queryTimestamp(q.from, 'from') : undefined;
      const to = q.to !== undefined ? queryTimestamp(q.to, 'to') : undefined;
      const exported = await exportPracticeChain(db, principalOf(req).practiceId, actorOf(req), { from, to, exportedAt: new Date() });
      return reply
        .type('application/jsonl; charset=utf-8')
        .header('content-disposition', `attachment; filename="${exported.fileName}"`)
        .send(exported.stream as unknown as string);
    },
  );
};
