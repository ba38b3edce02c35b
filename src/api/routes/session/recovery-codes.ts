// Recovery codes after enrolment: how many of the set are left, and a new
// set for a user who still holds their authenticator (ten codes last ten
// lost-phone sign-ins; a user who used some, or lost the sheet, needs new
// ones without an admin resetting two-step sign-in). Asking takes a current
// authenticator code, under the sign-in throttle, so a session left open on
// a shared PC cannot be turned into codes someone else keeps; the old codes
// stop working at once, and the account's owner gets the security notice.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { generateRecoveryCodes, verifySecondFactor } from '../../../auth/index.ts';
import { accountEmail, getSecondFactor, recordAuthEvent, replaceRecoveryCodes } from '../../../directory/index.ts';
import { ApiError } from '../../errors.ts';
import { principalOf } from '../../principal.ts';
import { queueSecurityNotice } from '../../security-notice.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf } from '../common.ts';
import { EnrolmentConfirmed, RecoveryCodesLeft, TotpCodeBody } from './schema.ts';

export const recoveryCodeRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, portal, securityNotice }) => {
  const { clock, throttle, totpBox } = portal;

  app.get(
    '/session/mfa/recovery-codes',
    {
      config: { access: 'member' },
      schema: { tags: ['session'], summary: 'How many of your recovery codes are left (never the codes: only their hashes are kept)', response: { 200: RecoveryCodesLeft } },
    },
    async (req) => {
      const p = principalOf(req);
      const stored = await getSecondFactor(db, p.practiceId, p.userId);
      return { enrolled: stored.totpSecretSealed !== null, total: stored.recoveryCodes.length, left: stored.recoveryCodes.filter((c) => c.usedAt === null).length };
    },
  );

  app.post(
    '/session/mfa/recovery-codes',
    {
      config: { access: 'member', errors: ['NOT_A_SESSION', 'MFA_NOT_ENROLLED', 'MFA_CODE_INVALID', 'SIGN_IN_THROTTLED'] },
      schema: {
        tags: ['session'],
        summary: 'A new set of recovery codes, shown once, for a current authenticator code; the old set stops working',
        body: TotpCodeBody,
        response: { 200: EnrolmentConfirmed },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      if (p.via !== 'session') throw new ApiError('NOT_A_SESSION', 'recovery codes belong to a portal sign-in; sign in to the portal to make new ones');
      const stored = await getSecondFactor(db, p.practiceId, p.userId);
      if (stored.totpSecretSealed === null) throw new ApiError('MFA_NOT_ENROLLED', 'two-step sign-in is not set up; its recovery codes come with it');
      const secret = totpBox.open(p.userId, stored.totpSecretSealed);
      if (secret === null) throw new Error('a stored TOTP secret does not open under the current master key');
      const actor = actorOf(req);
      // Recovery codes are left out of the state: one of them does not make new ones.
      const checked = verifySecondFactor(
        { throttle, nowMs: clock.now() },
        { email: await accountEmail(db, p.userId), sourceIp: req.ip, code: req.body.code, state: { totpSecret: secret, totpLastUsedStep: stored.totpLastUsedStep, recoveryCodes: [] } },
      );
      if (!checked.ok && checked.error.code !== 'auth.invalid_credentials') {
        void reply.header('retry-after', String(Math.max(1, Math.ceil(checked.error.retryAfterMs / 1000))));
        throw new ApiError('SIGN_IN_THROTTLED', 'too many wrong codes; wait a while and try again');
      }
      const recovery = generateRecoveryCodes();
      const replaced = checked.ok && checked.value.kind === 'totp' ? await replaceRecoveryCodes(db, p.practiceId, p.userId, { step: checked.value.step, recoveryCodeHashes: recovery.stored.map((c) => c.hash) }, actor) : null;
      if (replaced === null) {
        await recordAuthEvent(db, p.practiceId, actor, { action: 'auth.recovery_codes_regenerate', object: { type: 'user', id: p.userId }, outcome: 'failure', details: { reason: 'code_invalid' } });
        throw new ApiError('MFA_CODE_INVALID', 'that code does not match (or was used already); wait for the next one in your authenticator app');
      }
      await queueSecurityNotice(securityNotice, db, req, p.userId, 'recovery_codes_regenerated', clock.now());
      return { recoveryCodes: recovery.codes };
    },
  );
};
