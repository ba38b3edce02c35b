// Portal sessions: sign-in (password, then the second factor), who-am-I,
// sign-out, and two-factor enrolment. Every failure to sign in reads the same
// whatever went wrong (unknown email, wrong password, disabled user, wrong
// code); only a throttle refusal differs, and it is given alike for accounts
// that exist and accounts that do not.
import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { Type } from '@sinclair/typebox';
import type { FastifyReply, FastifyRequest } from 'fastify';
import {
  checkPasswordPolicy,
  clearSessionCookie,
  completeMfa,
  describePasswordViolation,
  endSession,
  generateRecoveryCodes,
  normalizePassword,
  generateTotpSecret,
  otpauthUri,
  serializeSessionCookie,
  startSession,
  totpSecretToBase32,
  verifyPasswordSignIn,
  verifySecondFactor,
  verifyTotp,
  type SignInFailure,
} from '../../../auth/index.ts';
import {
  accountEmail,
  changeOwnPassword,
  confirmTotpEnrolment,
  findPortalAccounts,
  getPortalAccount,
  getPractice,
  getSecondFactor,
  getUser,
  recordAuthEvent,
  replacePasswordHash,
  spendSecondFactor,
  startTotpEnrolment,
  type Actor,
  type PortalAccount,
} from '../../../directory/index.ts';
import { ApiError } from '../../errors.ts';
import { principalOf, sessionTokenOf } from '../../principal.ts';
import { queueSecurityNotice } from '../../security-notice.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf } from '../common.ts';
import { presentSession, presentTokenPrincipal } from './presenter.ts';
import { CodeBody, EnrolmentConfirmed, EnrolmentView, PasswordChangeBody, PasswordChanged, SessionView, SignInBody } from './schema.ts';

const INVALID = () => new ApiError('INVALID_CREDENTIALS', 'the sign-in details are not right');

/** An account nobody can name in the audit log: failures against unknown emails go to the installation chain. */
const UNKNOWN_ACCOUNT: Actor = { type: 'system', id: 'unknown-account' };

export const sessionRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, portal, securityNotice }) => {
  const { gate, clock, throttle, hasher, totpBox } = portal;
  const cookieOptions = { secure: gate.cookieSecure, sameSite: 'Strict' as const };

  function refuse(reply: FastifyReply, failure: SignInFailure): never {
    if (failure.code === 'auth.invalid_credentials') throw INVALID();
    void reply.header('retry-after', String(Math.max(1, Math.ceil(failure.retryAfterMs / 1000))));
    throw new ApiError('SIGN_IN_THROTTLED', 'too many failed sign-ins; wait a while and try again');
  }

  /** Login CSRF: a sign-in posted from another site's page is refused. */
  function checkSignInOrigin(req: FastifyRequest): void {
    const site = req.headers['sec-fetch-site'];
    const origin = req.headers.origin;
    const crossSite = (typeof site === 'string' && site !== 'same-origin' && site !== 'none') || (typeof origin === 'string' && origin !== 'null' && !gate.allowedOrigins.includes(origin));
    // The usual cause on a LAN: the portal opened at an address Sotto was not told of (SOTTO_PUBLIC_URL).
    if (crossSite) throw new ApiError('CSRF_REJECTED', 'sign in from the portal itself; if this is the portal, set SOTTO_PUBLIC_URL to the address you opened it at');
  }

  app.post(
    '/session',
    {
      config: { access: 'public', errors: ['INVALID_CREDENTIALS', 'CSRF_REJECTED', 'SIGN_IN_THROTTLED', 'DATABASE_UNAVAILABLE'] },
      schema: { tags: ['session'], summary: 'Sign in with email and password; then POST /session/mfa when asked', security: [], body: SignInBody, response: { 200: SessionView } },
    },
    async (req, reply) => {
      checkSignInOrigin(req);
      const ip = req.ip;
      const accounts = (await findPortalAccounts(db, req.body.email)).filter((a) => req.body.practiceId === undefined || a.practiceId === req.body.practiceId);
      // One email in several practices: without practiceId, the oldest active account.
      const account: PortalAccount | undefined = accounts.find((a) => a.active) ?? accounts[0];
      const result = await verifyPasswordSignIn(
        {
          hasher,
          throttle,
          findAccountByEmail: async () => (account && account.passwordHash !== null ? { userId: account.userId, passwordHash: account.passwordHash, active: account.active } : null),
        },
        { email: req.body.email, password: req.body.password, sourceIp: ip },
      );
      if (!result.ok) {
        if (result.error.code === 'auth.invalid_credentials') {
          if (account) {
            const actor: Actor = { type: 'user', id: account.userId, sourceIp: ip };
            await recordAuthEvent(db, account.practiceId, actor, { action: 'auth.sign_in', object: { type: 'user', id: account.userId }, outcome: 'failure' });
            if (throttle.check(req.body.email, ip)?.code === 'throttle.account_locked') {
              await recordAuthEvent(db, account.practiceId, actor, { action: 'auth.account_locked', object: { type: 'user', id: account.userId }, outcome: 'failure' });
            }
          } else {
            await recordAuthEvent(db, null, { ...UNKNOWN_ACCOUNT, sourceIp: ip }, { action: 'auth.sign_in', object: null, outcome: 'failure' });
          }
        }
        refuse(reply, result.error);
      }
      const signedIn = account!;
      if (result.value.newPasswordHash !== null) await replacePasswordHash(db, signedIn.userId, result.value.newPasswordHash);
      const issued = await startSession(gate.sessions, {
        userId: signedIn.userId,
        practiceId: signedIn.practiceId,
        mfaRequired: signedIn.mfaEnrolled,
        idleTimeoutMinutes: portal.idleTimeoutMinutes,
        sourceIp: ip,
        previousToken: sessionTokenOf(req, gate),
      });
      await recordAuthEvent(db, signedIn.practiceId, { type: 'user', id: signedIn.userId, sourceIp: ip }, {
        action: 'auth.sign_in',
        object: { type: 'user', id: signedIn.userId },
        details: { stage: issued.session.stage },
      });
      void reply.header('set-cookie', serializeSessionCookie(issued.token, cookieOptions));
      return presentSession(issued.session, issued.token, signedIn, gate.csrfSecret);
    },
  );

  app.post(
    '/session/mfa',
    {
      config: { access: 'mfa-pending', errors: ['INVALID_CREDENTIALS', 'SIGN_IN_THROTTLED'] },
      schema: { tags: ['session'], summary: 'Second sign-in step: a TOTP code or a recovery code', body: CodeBody, response: { 200: SessionView } },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const pending = p.session!;
      const stored = await getSecondFactor(db, p.practiceId, p.userId);
      const secret = stored.totpSecretSealed === null ? null : totpBox.open(p.userId, stored.totpSecretSealed);
      if (stored.totpSecretSealed !== null && secret === null) throw new Error('a stored TOTP secret does not open under the current master key');
      const email = await accountEmail(db, p.userId);
      const checked = verifySecondFactor(
        { throttle, nowMs: clock.now() },
        { email, sourceIp: req.ip, code: req.body.code, state: { totpSecret: secret, totpLastUsedStep: stored.totpLastUsedStep, recoveryCodes: stored.recoveryCodes } },
      );
      const actor = actorOf(req);
      if (!checked.ok || !(await spendSecondFactor(db, p.practiceId, p.userId, checked.value, actor))) {
        await recordAuthEvent(db, p.practiceId, actor, { action: 'auth.mfa_verify', object: { type: 'user', id: p.userId }, outcome: 'failure' });
        if (!checked.ok) refuse(reply, checked.error);
        throw INVALID();
      }
      const done = await completeMfa(gate.sessions, pending.token);
      if (!done.ok) throw new ApiError('UNAUTHENTICATED', 'the session is not valid; sign in again');
      void reply.header('set-cookie', serializeSessionCookie(done.value.token, cookieOptions));
      return presentSession(done.value.session, done.value.token, { role: p.role, mfaEnrolled: true }, gate.csrfSecret);
    },
  );

  app.get(
    '/session',
    {
      config: { access: 'member', allowWithoutMfa: true },
      schema: { tags: ['session'], summary: 'Who is signed in, and when the session ends if left idle', response: { 200: SessionView } },
    },
    async (req) => {
      const p = principalOf(req);
      if (p.via === 'token') {
        const account = await getPortalAccount(db, p.practiceId, p.userId);
        return presentTokenPrincipal({ ...p, mfaEnrolled: account?.mfaEnrolled ?? false });
      }
      return presentSession(p.session!.record, p.session!.token, p, gate.csrfSecret);
    },
  );

  app.delete(
    '/session',
    { config: { access: 'member', allowWithoutMfa: true, errors: ['NOT_A_SESSION'] }, schema: { tags: ['session'], summary: 'Sign out: the session ends at once', response: { 204: Type.Null() } } },
    async (req, reply) => {
      const p = principalOf(req);
      if (p.via !== 'session') throw new ApiError('NOT_A_SESSION', 'API tokens do not sign out; revoke the token instead');
      // Recorded first: with the database gone the 503 is then true (the session still stands, nothing changed),
      // where ending the session first left a sign-out that happened, unaudited, behind a 503 saying otherwise.
      await recordAuthEvent(db, p.practiceId, actorOf(req), { action: 'auth.sign_out', object: { type: 'user', id: p.userId } });
      await endSession(gate.sessions, p.session!.token);
      void reply.header('set-cookie', clearSessionCookie(cookieOptions));
      return reply.status(204).send(null);
    },
  );

  // Self-service: without it no one, the owner included, could ever change
  // their own password (an admin's reset is for someone else's). The current
  // password is checked as at sign-in, under the same throttle, so a session
  // left open on a shared PC cannot be turned into a stolen account.
  app.post(
    '/session/password',
    {
      config: { access: 'member', errors: ['CURRENT_PASSWORD_WRONG', 'SIGN_IN_THROTTLED', 'WEAK_PASSWORD', 'SAME_PASSWORD'] },
      schema: {
        tags: ['session'],
        summary: 'Change your own portal password; your other sessions end, this one stays',
        body: PasswordChangeBody,
        response: { 200: PasswordChanged },
      },
    },
    async (req, reply) => {
      const p = principalOf(req);
      const user = await getUser(db, p.practiceId, p.userId);
      const refused = throttle.check(user.email, req.ip);
      if (refused) refuse(reply, refused);
      const account = await getPortalAccount(db, p.practiceId, p.userId);
      const storedHash = account?.passwordHash ?? null;
      // A user who never had a password (API token only) spends the same work and fails alike.
      const verified = storedHash !== null ? await hasher.verify(storedHash, req.body.currentPassword) : await hasher.verifyUnknownUser(req.body.currentPassword);
      const actor = actorOf(req);
      const wrong = async (): Promise<never> => {
        throttle.recordFailure(user.email, req.ip);
        await recordAuthEvent(db, p.practiceId, actor, { action: 'auth.password_change', object: { type: 'user', id: p.userId }, outcome: 'failure', details: { by: 'self', reason: 'current_password_wrong' } });
        if (throttle.check(user.email, req.ip)?.code === 'throttle.account_locked') {
          await recordAuthEvent(db, p.practiceId, actor, { action: 'auth.account_locked', object: { type: 'user', id: p.userId }, outcome: 'failure' });
        }
        throw new ApiError('CURRENT_PASSWORD_WRONG', 'the current password is not right');
      };
      if (!verified || storedHash === null) return wrong();
      throttle.recordSuccess(user.email);
      if (normalizePassword(req.body.newPassword) === normalizePassword(req.body.currentPassword)) {
        throw new ApiError('SAME_PASSWORD', 'the new password is the one you have now; choose another');
      }
      const practice = await getPractice(db, p.practiceId);
      const violations = checkPasswordPolicy(req.body.newPassword, { email: user.email, displayName: user.displayName, extraWords: [practice.name, 'sotto'] });
      if (violations.length > 0) {
        const reasons = violations.map(describePasswordViolation);
        throw new ApiError('WEAK_PASSWORD', `the new password is not accepted: ${reasons.join('; ')}`, {
          issues: violations.map((v, i) => ({ path: 'body/newPassword', rule: v.code, message: reasons[i]! })),
        });
      }
      const changed = await changeOwnPassword(
        db,
        p.practiceId,
        p.userId,
        { expectedHash: storedHash, passwordHash: await hasher.hash(req.body.newPassword), keepSessionIdHash: p.session?.record.idHash ?? null },
        actor,
      );
      // Changed meanwhile by someone else (an admin's reset): the password checked is no longer the one stored.
      if (changed === null) return wrong();
      await queueSecurityNotice(securityNotice, db, req, p.userId, 'password_changed', clock.now());
      return changed;
    },
  );

  app.post(
    '/session/mfa/enrolment',
    {
      config: { access: 'member', allowWithoutMfa: true, errors: ['MFA_ALREADY_ENROLLED'] },
      schema: { tags: ['session'], summary: 'Start two-factor enrolment: a new TOTP secret, shown once', response: { 200: EnrolmentView } },
    },
    async (req) => {
      const p = principalOf(req);
      const secret = generateTotpSecret();
      await startTotpEnrolment(db, p.practiceId, p.userId, totpBox.seal(p.userId, secret), actorOf(req));
      const email = await accountEmail(db, p.userId);
      return { otpauthUri: otpauthUri({ issuer: 'Sotto', accountName: email, secret }), secret: totpSecretToBase32(secret) };
    },
  );

  app.post(
    '/session/mfa/enrolment/confirm',
    {
      config: { access: 'member', allowWithoutMfa: true, errors: ['MFA_ALREADY_ENROLLED', 'MFA_NOT_PENDING', 'MFA_CODE_INVALID'] },
      schema: { tags: ['session'], summary: 'Finish enrolment with a code from the app; returns recovery codes once', body: CodeBody, response: { 200: EnrolmentConfirmed } },
    },
    async (req) => {
      const p = principalOf(req);
      const stored = await getSecondFactor(db, p.practiceId, p.userId);
      if (stored.totpSecretSealed !== null) throw new ApiError('MFA_ALREADY_ENROLLED', 'two-factor sign-in is already set up for this account');
      const secret = stored.totpPendingSealed === null ? null : totpBox.open(p.userId, stored.totpPendingSealed);
      if (secret === null) throw new ApiError('MFA_NOT_PENDING', 'start two-factor enrolment first');
      const checked = verifyTotp({ secret, code: req.body.code, nowMs: clock.now(), lastUsedStep: null });
      if (!checked.ok) throw new ApiError('MFA_CODE_INVALID', 'that code does not match; check the time on your phone and try the next one');
      const recovery = generateRecoveryCodes();
      await confirmTotpEnrolment(
        db,
        p.practiceId,
        p.userId,
        { pendingSealed: stored.totpPendingSealed!, step: checked.value.step, recoveryCodeHashes: recovery.stored.map((c) => c.hash) },
        actorOf(req),
      );
      return { recoveryCodes: recovery.codes };
    },
  );
};
