import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getUser, getVoicemailSettings, updateVoicemailSettings } from '../../../directory/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf, IdParams, withErrors } from '../common.ts';
import { presentVoicemailSettings } from './presenter.ts';
import { VoicemailSettingsPatch, VoicemailSettingsView } from './schema.ts';

export const voicemailSettingsRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get(
    '/users/:id/voicemail-settings',
    {
      config: { access: 'self-or-admin' },
      schema: { tags: ['voicemail'], summary: "A user's voicemail switches and what tier and policy make of them", params: IdParams, response: withErrors({ 200: VoicemailSettingsView }) },
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
      config: { access: 'self-or-admin' },
      schema: {
        tags: ['voicemail'],
        summary: 'Switch email notices, audio attachment, transcript in email, transcription',
        params: IdParams,
        body: VoicemailSettingsPatch,
        response: withErrors({ 200: VoicemailSettingsView }),
      },
    },
    async (req) => {
      const p = principalOf(req);
      await getUser(db, p.practiceId, req.params.id);
      return presentVoicemailSettings(await updateVoicemailSettings(db, p.practiceId, req.params.id, req.body, actorOf(req)));
    },
  );
};
