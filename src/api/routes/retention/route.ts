// Retention and legal holds (owners and admins): what is kept how long, the
// receipts of what was destroyed, and holds that stop a purge or a delete.
// A hold or release is audited (legal_hold.place / legal_hold.release) in
// the transaction that makes it; one already in place changes nothing.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import type { FastifyRequest } from 'fastify';
import type { RetentionCommands } from '../../../app/retention-commands.ts';
import { roleAtLeast } from '../../../directory/index.ts';
import { ApiError } from '../../errors.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps } from '../../server.ts';
import { queryTimestamp } from '../../timestamp.ts';
import { actorOf, IdParams, pageLimitOf } from '../common.ts';
import { presentReceipt } from './presenter.ts';
import { HoldBody, HoldResult, LegalHoldsView, ReceiptsQuery, ReceiptsView, RetentionStatusView } from './schema.ts';

export const retentionRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { retention, voicemail }) => {
  const commands = (): RetentionCommands => {
    if (!retention) throw new ApiError('RETENTION_UNAVAILABLE', 'retention is not running on this server');
    return retention;
  };
  /** A voicemail hold needs the message store as well. */
  const voicemailCommands = (): RetentionCommands => {
    if (!voicemail) throw new ApiError('VOICEMAIL_UNAVAILABLE', 'voicemail is not running on this server');
    return commands();
  };

  app.get(
    '/retention',
    { config: { access: 'admin', errors: ['RETENTION_UNAVAILABLE'] }, schema: { tags: ['retention'], summary: 'Retention per artifact kind (from the policy), what is stored and held, the last purge', response: { 200: RetentionStatusView } } },
    async (req) => commands().status(principalOf(req).practiceId),
  );

  app.get(
    '/retention/receipts',
    {
      config: { access: 'admin', errors: ['RETENTION_UNAVAILABLE'] },
      schema: { tags: ['retention'], summary: 'Deletion receipts (retention purges and deletes), newest first', querystring: ReceiptsQuery, response: { 200: ReceiptsView } },
    },
    async (req) => {
      const since = req.query.since !== undefined ? new Date(queryTimestamp(req.query.since, 'since')) : undefined;
      const items = await commands().receipts(principalOf(req).practiceId, { limit: pageLimitOf(req.query.limit), ...(since ? { since } : {}) });
      return { items: items.map(presentReceipt) };
    },
  );

  app.get(
    '/legal-holds',
    { config: { access: 'admin', errors: ['RETENTION_UNAVAILABLE'] }, schema: { tags: ['retention'], summary: 'Legal holds: users (everything they own) and voicemails', response: { 200: LegalHoldsView } } },
    async (req) => commands().holds(principalOf(req).practiceId),
  );

  app.put(
    '/legal-holds/users/:id',
    {
      config: { access: 'admin', errors: ['RETENTION_UNAVAILABLE', 'NOT_FOUND'] },
      schema: { tags: ['retention'], summary: "Hold everything a user owns (their voicemail, transcripts, …): no purge, no delete", params: IdParams, body: HoldBody, response: { 200: HoldResult } },
    },
    async (req) => {
      const p = principalOf(req);
      const { changed } = await commands().holdUser(p.practiceId, req.params.id, req.body.reference, actorOf(req));
      return { held: true, changed };
    },
  );

  app.delete(
    '/legal-holds/users/:id',
    { config: { access: 'admin', errors: ['RETENTION_UNAVAILABLE', 'NOT_FOUND'] }, schema: { tags: ['retention'], summary: "Release a user's legal hold (owners only)", params: IdParams, response: { 200: HoldResult } } },
    async (req) => {
      ownersRelease(req);
      const { changed } = await commands().releaseUser(principalOf(req).practiceId, req.params.id, actorOf(req));
      return { held: false, changed };
    },
  );

  app.put(
    '/legal-holds/voicemails/:id',
    {
      config: { access: 'admin', errors: ['VOICEMAIL_UNAVAILABLE', 'RETENTION_UNAVAILABLE', 'VOICEMAIL_NOT_FOUND'] },
      schema: { tags: ['retention'], summary: 'Hold one voicemail (recording and transcript): no purge, no delete', params: IdParams, body: HoldBody, response: { 200: HoldResult } },
    },
    async (req) => {
      const { changed } = await voicemailCommands().holdVoicemail(principalOf(req).practiceId, req.params.id, req.body.reference, actorOf(req));
      return { held: true, changed };
    },
  );

  app.delete(
    '/legal-holds/voicemails/:id',
    {
      config: { access: 'admin', errors: ['VOICEMAIL_UNAVAILABLE', 'RETENTION_UNAVAILABLE', 'VOICEMAIL_NOT_FOUND'] },
      schema: { tags: ['retention'], summary: "Release a voicemail's legal hold (owners only)", params: IdParams, response: { 200: HoldResult } },
    },
    async (req) => {
      ownersRelease(req);
      const { changed } = await voicemailCommands().releaseVoicemail(principalOf(req).practiceId, req.params.id, actorOf(req));
      return { held: false, changed };
    },
  );
};

/**
 * Any admin may place a hold; only an owner may lift one. Otherwise an admin
 * could release a hold (on their own messages, say) and delete what it kept:
 * both audited, but the hold would protect nothing against that admin.
 */
function ownersRelease(req: FastifyRequest): void {
  if (!roleAtLeast(principalOf(req).role, 'owner')) throw new ApiError('FORBIDDEN', 'only an owner can release a legal hold');
}
