// Voicemail messages through the API. Same order as every handler:
// authenticate -> validate -> authorise (the box: owner, grant or running
// break-glass; being an admin is not enough) -> command -> present. Every
// read of PHI (list, read, play) and every change is an audit event,
// recorded before the data goes out.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyRequest } from 'fastify';
import { AUDIT_ACTIONS } from '../../../audit/index.ts';
import { loadAccessGrants } from '../../../directory/index.ts';
import { parseWav, bytesToPcm16 } from '../../../media/wav.ts';
import { decodeG711 } from '../../../media/codecs/g711.ts';
import { getBox, greetingDurationMs, listBoxes, VoicemailError, type BoxInfo } from '../../../voicemail/index.ts';
import { canReadVoicemailBox, type PhiAccessDecision } from '../../access-policy.ts';
import { ApiError } from '../../errors.ts';
import { principalOf } from '../../principal.ts';
import type { ApiDeps, VoicemailDeps } from '../../server.ts';
import { actorOf, IdParams } from '../common.ts';
import { presentVoicemail } from './presenter.ts';
import { AudioWavResponse, GreetingBody, GreetingParams, GreetingSaved, VoicemailListQuery, VoicemailListView, VoicemailPatch, VoicemailView } from './schema.ts';

/** A WAV greeting: up to 2 minutes of 8 kHz PCM16 is 1.9 MB. */
const GREETING_BODY_LIMIT = 4 * 1024 * 1024;

/** A box the caller may read; `breakGlassUntil`: when that rests on break-glass alone, the time the grant ends. */
type Readable = { box: BoxInfo; decision: Extract<PhiAccessDecision, { allowed: true }>; breakGlassUntil: string | null };

export const voicemailRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, voicemail }) => {
  const deps = (): VoicemailDeps => {
    if (!voicemail) throw new ApiError('VOICEMAIL_UNAVAILABLE', 'voicemail is not running on this server');
    return voicemail;
  };

  /** The boxes this caller may read, with the basis of each (break-glass must show in the audit event). */
  async function readableBoxes(req: FastifyRequest): Promise<Map<string, Readable>> {
    const p = principalOf(req);
    const grants = await loadAccessGrants(db, p.practiceId, p.userId);
    const principal = { practiceId: p.practiceId, userId: p.userId, role: p.role, voicemailBoxIds: grants.voicemailBoxIds, breakGlass: grants.breakGlass };
    const out = new Map<string, Readable>();
    for (const box of await listBoxes(db, p.practiceId)) {
      const decision = canReadVoicemailBox(principal, { id: box.id, practiceId: box.practiceId, ownerUserId: box.ownerUserId });
      if (!decision.allowed) continue;
      const glass = decision.basis === 'break_glass' ? grants.breakGlass.find((g) => g.id === decision.breakGlassId) : undefined;
      out.set(box.id, { box, decision, breakGlassUntil: glass?.expiresAt ?? null });
    }
    return out;
  }

  /**
   * One message the caller may read; 404 alike for "no such message" and "not yours" (no probing).
   * A refused attempt on someone else's message is on the audit log as a failure of the action
   * tried (45 CFR 164.312(b)): the caller learns nothing, the auditor sees who tried.
   */
  async function readableMessage(req: FastifyRequest, id: string, attempted: string) {
    const p = principalOf(req);
    const message = await deps().store.get(p.practiceId, id);
    const access = (await readableBoxes(req)).get(message.boxId);
    if (!access) {
      await deps().store.auditRefused(message, actorOf(req), attempted);
      throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'voicemail not found');
    }
    const glass: Record<string, string> = access.decision.basis === 'break_glass' ? { breakGlassId: access.decision.breakGlassId } : {};
    return { message, access, glass };
  }

  /**
   * One message the caller may change (mark, delete). Break-glass opens a box to read in an emergency;
   * changing or shredding its messages stays with the owner and grantees. A change tried on break-glass
   * is on the audit log as a refused one is (README: refused marks and deletes are recorded), with the
   * grant it rested on.
   */
  async function changeableMessage(req: FastifyRequest, id: string, attempted: string) {
    const found = await readableMessage(req, id, attempted);
    const { decision } = found.access;
    if (decision.basis === 'break_glass') {
      await deps().store.auditRefused(found.message, actorOf(req), attempted, { reason: 'break_glass_read_only', breakGlassId: decision.breakGlassId });
      throw new ApiError('BREAK_GLASS_READ_ONLY', 'break-glass access may read this voicemail, not change or delete it');
    }
    return found;
  }

  app.get(
    '/voicemails',
    {
      config: { access: 'member', errors: ['VOICEMAIL_UNAVAILABLE'] },
      schema: { tags: ['voicemail'], summary: 'Voicemails in the boxes you may read, unheard first then newest', querystring: VoicemailListQuery, response: { 200: VoicemailListView } },
    },
    async (req) => {
      const { store } = deps();
      const p = principalOf(req);
      const boxes = await readableBoxes(req);
      // ?extension=102: that extension's box only, if the caller may read it (an empty list otherwise, as for an empty box).
      const wanted = req.query.extension;
      const chosen = [...boxes].filter(([, r]) => wanted === undefined || r.box.extension === wanted).map(([id]) => id);
      const messages = await store.listBoxes(chosen);
      const glass = [...new Set(messages.map((m) => boxes.get(m.boxId)!.decision).flatMap((d) => (d.basis === 'break_glass' ? [d.breakGlassId] : [])))];
      await store.auditList(p.practiceId, actorOf(req), messages.map((m) => m.id), glass);
      const items = [];
      for (const m of messages) {
        const { box, breakGlassUntil } = boxes.get(m.boxId)!;
        items.push(presentVoicemail(m, box.extension, await store.transcript(m), breakGlassUntil));
      }
      return { items };
    },
  );

  app.get(
    '/voicemails/:id',
    {
      config: { access: 'member', errors: ['VOICEMAIL_UNAVAILABLE', 'VOICEMAIL_NOT_FOUND'] },
      schema: { tags: ['voicemail'], summary: 'One voicemail: metadata and machine transcript', params: IdParams, response: { 200: VoicemailView } },
    },
    async (req) => {
      const { store } = deps();
      const { message, access, glass } = await readableMessage(req, req.params.id, AUDIT_ACTIONS.voicemailRead);
      await store.audit(message, actorOf(req), 'voicemail.read', { transcript: message.transcriptObjectId !== null, ...glass });
      return presentVoicemail(message, access.box.extension, await store.transcript(message), access.breakGlassUntil);
    },
  );

  app.get(
    '/voicemails/:id/audio',
    {
      config: { access: 'member', errors: ['VOICEMAIL_UNAVAILABLE', 'VOICEMAIL_NOT_FOUND', 'VAULT_UNAVAILABLE'] },
      schema: {
        tags: ['voicemail'],
        summary: 'The recording as audio/wav (8 kHz PCM16), streamed from the vault; audited as a play',
        params: IdParams,
        // Per media type, so the document says audio/wav (as a plain schema it would read application/json).
        response: { 200: AudioWavResponse },
      },
    },
    async (req, reply) => {
      const { store } = deps();
      const { message, glass } = await readableMessage(req, req.params.id, AUDIT_ACTIONS.voicemailPlay);
      const audio = await store.openAudioWav(message.practiceId, message.id, actorOf(req), { via: 'api', ...glass });
      return reply.type('audio/wav').header('content-length', String(audio.length)).header('content-disposition', 'inline; filename="voicemail.wav"').send(audio.stream as unknown as string);
    },
  );

  app.patch(
    '/voicemails/:id',
    {
      config: { access: 'member', errors: ['VOICEMAIL_UNAVAILABLE', 'VOICEMAIL_NOT_FOUND', 'BREAK_GLASS_READ_ONLY'] },
      schema: { tags: ['voicemail'], summary: 'Mark a voicemail heard or new', params: IdParams, body: VoicemailPatch, response: { 200: VoicemailView } },
    },
    async (req) => {
      const { store } = deps();
      const { message, access } = await changeableMessage(req, req.params.id, AUDIT_ACTIONS.voicemailMarkHeard);
      await store.markHeard(message.id, actorOf(req), req.body.heard);
      return presentVoicemail({ ...message, heard: req.body.heard }, access.box.extension, await store.transcript(message), access.breakGlassUntil);
    },
  );

  app.delete(
    '/voicemails/:id',
    {
      config: { access: 'member', errors: ['VOICEMAIL_UNAVAILABLE', 'VOICEMAIL_NOT_FOUND', 'BREAK_GLASS_READ_ONLY', 'VOICEMAIL_LEGAL_HOLD'] },
      schema: { tags: ['voicemail'], summary: 'Delete a voicemail: its recording and transcript are crypto-shredded', params: IdParams, response: { 204: Type.Null() } },
    },
    async (req, reply) => {
      const { store } = deps();
      const { message } = await changeableMessage(req, req.params.id, AUDIT_ACTIONS.voicemailDelete);
      await store.delete(message.id, actorOf(req));
      return reply.status(204).send(null);
    },
  );

  const greetingRoutes: FastifyPluginAsyncTypebox = async (greetingApp) => {
    // Audio only: a JSON body is refused by the parser (415), before its path is validated or its box looked up.
    greetingApp.removeContentTypeParser('application/json');
    greetingApp.addContentTypeParser(['audio/wav', 'audio/x-wav', 'audio/wave'], { parseAs: 'buffer', bodyLimit: GREETING_BODY_LIMIT }, (_req, body, done) => done(null, body));
    greetingApp.put(
      '/voicemail-boxes/:id/greetings/:which',
      {
        bodyLimit: GREETING_BODY_LIMIT,
        config: { access: 'member', errors: ['VOICEMAIL_UNAVAILABLE', 'VOICEMAIL_NOT_FOUND', 'FORBIDDEN', 'VOICEMAIL_BAD_AUDIO'] },
        schema: {
          tags: ['voicemail'],
          summary: "Upload a box's unavailable or busy greeting (audio/wav, 8 kHz mono PCM16 or G.711); the box owner or an admin",
          params: GreetingParams,
          body: GreetingBody,
          response: { 200: GreetingSaved },
        },
      },
      async (req) => {
        const { greetings } = deps();
        const p = principalOf(req);
        // The README's order: the body (415 when there is no audio, 400 when it is no greeting), then the role, then the box.
        const body = req.body;
        if (!Buffer.isBuffer(body)) throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the greeting as audio/wav');
        const wav = parseWav(body);
        if (!wav.ok || wav.value.sampleRate !== 8000 || wav.value.channels !== 1) throw new VoicemailError('VOICEMAIL_BAD_AUDIO', 'the greeting must be a WAV file, 8 kHz mono, PCM16 or G.711');
        const { encoding, data } = wav.value;
        const pcm = encoding === 'pcm16' ? bytesToPcm16(data) : decodeG711(encoding === 'ulaw' ? 'pcmu' : 'pcma', data);
        const durationMs = greetingDurationMs(pcm);
        const found = await getBox(db, req.params.id);
        const box = found && found.practiceId === p.practiceId ? found : undefined;
        // Other than an admin, only the box's owner; a box that does not exist is no one's own (the same 403: nothing to probe).
        if (p.role !== 'admin' && p.role !== 'owner' && box?.ownerUserId !== p.userId) throw new ApiError('FORBIDDEN', "only the box's owner or an admin can change its greeting");
        if (!box) throw new VoicemailError('VOICEMAIL_NOT_FOUND', 'voicemail box not found');
        await greetings.saveGreeting(box.id, req.params.which, pcm, actorOf(req));
        return { boxId: box.id, which: req.params.which, durationMs };
      },
    );
  };
  await app.register(greetingRoutes);
};
