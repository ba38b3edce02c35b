import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import {
  getPolicy,
  getPractice,
  listFeatureChanges,
  listVoicemailSettings,
  updatePolicy,
  updateVoicemailSettings,
} from '../../../directory/index.ts';
import { compliancePosture, SAFE_DEFAULT_POLICY, SAFE_DEFAULT_VOICEMAIL_SETTINGS, tierIncludes } from '../../../policy/index.ts';
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
      schema: { tags: ['compliance'], summary: 'Switch every PHI-bearing feature back to the HIPAA-safe default', response: { 200: PostureView } },
    },
    async (req) => {
      const p = principalOf(req);
      const actor = actorOf(req);
      const practice = await getPractice(db, p.practiceId);
      const { retention: _keepRetention, ...switches } = SAFE_DEFAULT_POLICY;
      await updatePolicy(db, p.practiceId, switches, actor);
      const safe = { ...SAFE_DEFAULT_VOICEMAIL_SETTINGS, transcription: SAFE_DEFAULT_VOICEMAIL_SETTINGS.transcription && tierIncludes(practice.tier, 'voicemail_transcription') };
      for (const u of await listVoicemailSettings(db, p.practiceId)) {
        // A user already on the safe settings is left alone: an event per user saying "before {} after {}" only buries the real changes.
        const patch = Object.fromEntries((Object.keys(safe) as Array<keyof typeof safe>).filter((k) => u.settings[k] !== safe[k]).map((k) => [k, safe[k]]));
        if (Object.keys(patch).length > 0) await updateVoicemailSettings(db, p.practiceId, u.userId, patch, actor);
      }
      return posture(p.practiceId);
    },
  );

  app.get(
    '/compliance/changes',
    { config: { access: 'admin' }, schema: { tags: ['compliance'], summary: 'Who switched which PHI-bearing feature, and when', response: { 200: FeatureChangeList } } },
    async (req) => ({ items: await listFeatureChanges(db, principalOf(req).practiceId) }),
  );
};
