import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getUser, getVoicemailSettings, updateVoicemailSettings } from '../../../directory/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf, IdParams } from '../common.ts';
import { presentVoicemailSettings } from './presenter.ts';
import { VoicemailSettingsPatch, VoicemailSettingsView } from './schema.ts';

export const voicemailSettingsRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get(
    '/users/:id/voicemail-settings',
    {
      config: { access: 'self-or-admin', errors: ['NOT_FOUND'] },
      schema: { tags: ['voicemail'], summary: "A user's voicemail switches and what tier and policy make of them", params: IdParams, response: { 200: VoicemailSettingsView } },
    },
    async (req) => {
      const p = principalOf(req);
      await getUser(db, p.practiceId, req.params.id);
      return presentVoicemailSettings(await getVoicemailSettings(db, p.practiceId, req.params.id));
    },
  );

  app.patch(
    '/users/:id/voicemail-settings',
    {
      config: { access: 'self-or-admin', errors: ['NOT_FOUND', 'FEATURE_NOT_IN_TIER', 'FEATURE_OFF_BY_POLICY'] },
      schema: {
        tags: ['voicemail'],
        summary: 'Switch email notices, audio attachment, transcript in email, transcription',
        params: IdParams,
        body: VoicemailSettingsPatch,
        response: { 200: VoicemailSettingsView },
      },
    },
    async (req) => {
      const p = principalOf(req);
      await getUser(db, p.practiceId, req.params.id);
      return presentVoicemailSettings(await updateVoicemailSettings(db, p.practiceId, req.params.id, req.body, actorOf(req)));
    },
  );
};
