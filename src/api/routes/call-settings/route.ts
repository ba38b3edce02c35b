import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { getCallSettings, updateCallSettings } from '../../../directory/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf, IdParams } from '../common.ts';
import { presentCallSettings } from './presenter.ts';
import { CallSettingsPatch, CallSettingsView } from './schema.ts';

export const callSettingsRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get(
    '/users/:id/call-settings',
    {
      config: { access: 'self-or-admin', errors: ['NOT_FOUND'] },
      schema: { tags: ['calls'], summary: "A user's do-not-disturb switch and ring timeout", params: IdParams, response: { 200: CallSettingsView } },
    },
    async (req) => presentCallSettings(await getCallSettings(db, principalOf(req).practiceId, req.params.id)),
  );

  app.patch(
    '/users/:id/call-settings',
    {
      config: { access: 'self-or-admin', errors: ['NOT_FOUND'] },
      schema: {
        tags: ['calls'],
        summary: 'Switch do-not-disturb (callers go to voicemail), set how long phones ring (5-120 s)',
        params: IdParams,
        body: CallSettingsPatch,
        response: { 200: CallSettingsView },
      },
    },
    async (req) => presentCallSettings(await updateCallSettings(db, principalOf(req).practiceId, req.params.id, req.body, actorOf(req))),
  );
};
