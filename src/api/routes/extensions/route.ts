import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { listExtensions } from '../../../directory/index.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { presentExtension } from './presenter.ts';
import { ExtensionList } from './schema.ts';

export const extensionRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db }) => {
  app.get('/extensions', { config: { access: 'member' }, schema: { tags: ['extensions'], summary: 'The dial plan: extensions and their voicemail boxes', response: { 200: ExtensionList } } }, async (req) => ({
    items: (await listExtensions(db, principalOf(req).practiceId)).map(presentExtension),
  }));
};
