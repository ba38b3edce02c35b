import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getPolicy, updatePolicy, type PolicyPatch as DirectoryPolicyPatch } from '../../../directory/index.ts';
import { retentionDaysByArtifact } from '../../../policy/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf } from '../common.ts';
import { presentPolicy } from './presenter.ts';
import { PolicyPatch, PolicyView } from './schema.ts';

export const policyRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, retention }) => {
  app.get(
    '/policy',
    { config: { access: 'member' }, schema: { tags: ['policy'], summary: 'The practice policy: PHI feature switches and retention', response: { 200: PolicyView } } },
    async (req) => presentPolicy(await getPolicy(db, principalOf(req).practiceId)),
  );

  app.patch(
    '/policy',
    { config: { access: 'admin', errors: ['RETENTION_TOO_SHORT', 'FEATURE_NOT_IN_TIER'] }, schema: { tags: ['policy'], summary: 'Change practice policy switches or retention', body: PolicyPatch, response: { 200: PolicyView } } },
    async (req) => {
      const practiceId = principalOf(req).practiceId;
      const before = req.body.retention !== undefined && retention ? retentionDaysByArtifact((await getPolicy(db, practiceId)).retention) : null;
      const policy = await updatePolicy(db, practiceId, req.body as DirectoryPolicyPatch, actorOf(req));
      // Stored objects follow a changed period now. Only the kinds this (audited) change shortened may become due
      // sooner; the hourly purge only ever moves deadlines later, so it never destroys what no one chose to.
      if (before !== null && retention) {
        const after = retentionDaysByArtifact(policy.retention);
        const shortened = new Set((Object.keys(after) as Array<keyof typeof after>).filter((kind) => after[kind] < before[kind]));
        await retention.syncPolicy(practiceId, shortened).catch((e: unknown) => req.log.warn({ err: e, event: 'retention.sync_failed' }, 'stored objects follow the new retention at the next purge'));
      }
      return presentPolicy(policy);
    },
  );
};
