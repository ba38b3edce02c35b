import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { applySafeDefaults, getPolicy, getPractice, listFeatureChanges, listVoicemailSettings } from '../../../directory/index.ts';
import { compliancePosture } from '../../../policy/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf } from '../common.ts';
import { presentPosture } from './presenter.ts';
import { FeatureChangeList, PostureView } from './schema.ts';

export const complianceRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, safeguards }) => {
  async function posture(practiceId: string) {
    const practice = await getPractice(db, practiceId);
    const policy = await getPolicy(db, practiceId);
    const users = await listVoicemailSettings(db, practiceId);
    return presentPosture(practice, compliancePosture(practice.tier, policy, users), safeguards());
  }

  app.get(
    '/compliance/posture',
    {
      config: { access: 'admin' },
      schema: { tags: ['compliance'], summary: 'Every path by which PHI is stored or leaves the server: state, risk, what to do', response: { 200: PostureView } },
    },
    async (req) => posture(principalOf(req).practiceId),
  );

  app.post(
    '/compliance/apply-safe-defaults',
    {
      config: { access: 'admin' },
      schema: { tags: ['compliance'], summary: 'Switch every PHI-bearing feature of the practice and its users back to the HIPAA-safe default, in one transaction (all or nothing)', response: { 200: PostureView } },
    },
    async (req) => {
      const p = principalOf(req);
      // One transaction for the practice and every user, events included (directory/safe-defaults.ts).
      await applySafeDefaults(db, p.practiceId, actorOf(req));
      return posture(p.practiceId);
    },
  );

  app.get(
    '/compliance/changes',
    { config: { access: 'admin' }, schema: { tags: ['compliance'], summary: 'Who switched which PHI-bearing feature, and when', response: { 200: FeatureChangeList } } },
    async (req) => ({ items: await listFeatureChanges(db, principalOf(req).practiceId) }),
  );
};
