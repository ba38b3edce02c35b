import type { FastifyPluginAsyncTypebox } from '@fastify/type-provider-typebox';
import { addUser, disableUser, enableUser, generatePortalPassword, getUser, listUsers, resetSecondFactor, roleAtLeast, setPortalPassword, updateUser, type Role } from '../../../directory/index.ts';
import { ApiError } from '../../errors.ts';
import { principalOf } from '../../principal.ts';
import { queueSecurityNotice } from '../../security-notice.ts';
import type { ApiDeps } from '../../server.ts';
import { actorOf, IdParams } from '../common.ts';
import { presentUser } from './presenter.ts';
import { CreatedUser, NewPortalPassword, NewUserBody, SecondFactorResetView, UpdatedUserView, UserList, UserPatch, UserView } from './schema.ts';

export const userRoutes: FastifyPluginAsyncTypebox<ApiDeps> = async (app, { db, onUserDisabled, onDevicesRenumbered, portal, securityNotice }) => {
  app.get('/users', { config: { access: 'admin' }, schema: { tags: ['users'], summary: 'List users', response: { 200: UserList } } }, async (req) => ({
    items: (await listUsers(db, principalOf(req).practiceId)).map(presentUser),
  }));

  app.post(
    '/users',
    { config: { access: 'admin', errors: ['EMAIL_TAKEN', 'EXTENSION_TAKEN', 'EXTENSION_RESERVED'] }, schema: { tags: ['users'], summary: 'Add a user, with an extension and voicemail box', body: NewUserBody, response: { 201: CreatedUser } } },
    async (req, reply) => {
      const p = principalOf(req);
      if (req.body.role === 'owner' && !roleAtLeast(p.role, 'owner')) throw new ApiError('FORBIDDEN', 'only an owner can add another owner');
      const { user, voicemailPin } = await addUser(db, p.practiceId, req.body, actorOf(req));
      return reply.status(201).send({ user: presentUser(user), voicemailPin });
    },
  );

  app.get('/users/:id', { config: { access: 'self-or-admin', errors: ['NOT_FOUND'] }, schema: { tags: ['users'], params: IdParams, response: { 200: UserView } } }, async (req) =>
    presentUser(await getUser(db, principalOf(req).practiceId, req.params.id)),
  );

  app.patch(
    '/users/:id',
    {
      config: { access: 'admin', errors: ['NOT_FOUND', 'LAST_OWNER', 'EMAIL_TAKEN', 'EXTENSION_TAKEN', 'EXTENSION_RESERVED'] },
      schema: { tags: ['users'], summary: "Change a user's name, email, role or extension", params: IdParams, body: UserPatch, response: { 200: UpdatedUserView } },
    },
    async (req) => {
      const p = principalOf(req);
      const target = await getUser(db, p.practiceId, req.params.id);
      if ((req.body.role === 'owner' || target.role === 'owner') && !roleAtLeast(p.role, 'owner')) {
        throw new ApiError('FORBIDDEN', 'only an owner can grant or change the owner role');
      }
      // The email is where sign-in notices, password resets' news and (by policy) voicemail with its audio go:
      // changing an admin's is as much a takeover as resetting their password, so the same rule holds.
      const emailChanges = req.body.email !== undefined && req.body.email.trim().toLowerCase() !== target.email;
      if (emailChanges && target.id !== p.userId) refuseUnlessMayReset(p.role, target.role, 'email');
      const { user, voicemailPin, renumberedDeviceIds } = await updateUser(db, p.practiceId, req.params.id, req.body, actorOf(req));
      // Bindings are kept per number: those under the old one would never be reached again.
      if (renumberedDeviceIds.length > 0) onDevicesRenumbered?.(renumberedDeviceIds);
      // Told to the address it replaced, so a change its holder did not make does not go unseen.
      if (user.email !== target.email) await queueSecurityNotice(securityNotice, db, req, user.id, 'email_changed', portal.clock.now(), target.email);
      return { ...presentUser(user), ...(voicemailPin !== null ? { voicemailPin } : {}) };
    },
  );

  app.post(
    '/users/:id/disable',
    {
      config: { access: 'admin', errors: ['NOT_FOUND', 'CANNOT_DISABLE_SELF', 'LAST_OWNER'] },
      schema: { tags: ['users'], summary: 'Disable a user: ends their tokens and SIP devices at once', params: IdParams, response: { 200: UserView } },
    },
    async (req) => {
      const p = principalOf(req);
      if (req.params.id === p.userId) throw new ApiError('CANNOT_DISABLE_SELF', 'you cannot disable your own account');
      // As for a PATCH or a password reset: an admin does not act on an owner (disabling one ends their sessions, tokens and devices).
      const target = await getUser(db, p.practiceId, req.params.id);
      if (target.role === 'owner' && !roleAtLeast(p.role, 'owner')) throw new ApiError('FORBIDDEN', 'only an owner can disable an owner');
      const { user, disabledDeviceIds } = await disableUser(db, p.practiceId, req.params.id, actorOf(req));
      onUserDisabled?.(user.id, disabledDeviceIds);
      return presentUser(user);
    },
  );

  app.post(
    '/users/:id/enable',
    {
      config: { access: 'admin', errors: ['NOT_FOUND'] },
      schema: {
        tags: ['users'],
        summary: 'Enable a disabled user: they can sign in again with their password; revoked API tokens and disabled SIP devices stay so (add new devices)',
        params: IdParams,
        response: { 200: UserView },
      },
    },
    async (req) => {
      const p = principalOf(req);
      const target = await getUser(db, p.practiceId, req.params.id);
      if (target.role === 'owner' && !roleAtLeast(p.role, 'owner')) throw new ApiError('FORBIDDEN', 'only an owner can enable an owner');
      return presentUser((await enableUser(db, p.practiceId, target.id, actorOf(req))).user);
    },
  );

  // Without this no one but the owner made by `sotto admin create` (or the
  // demo) could ever sign in: users are added without a password and there
  // is no self-service reset, so the admin hands out a new one.
  app.post(
    '/users/:id/password',
    {
      config: { access: 'admin', errors: ['NOT_FOUND', 'CANNOT_RESET_SELF', 'USER_DISABLED'] },
      schema: {
        tags: ['users'],
        summary: "Give a user a new portal password, shown once; ends the user's sessions",
        params: IdParams,
        response: { 200: NewPortalPassword },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (req.params.id === p.userId) throw new ApiError('CANNOT_RESET_SELF', 'you cannot reset your own password here; change it under Account security');
      const target = await getUser(db, p.practiceId, req.params.id);
      // An admin resetting another admin (one who has not set up two-factor yet) could sign in as them: owners only.
      refuseUnlessMayReset(p.role, target.role, 'password');
      const password = generatePortalPassword();
      const ended = await setPortalPassword(db, p.practiceId, target.id, await portal.hasher.hash(password), actorOf(req));
      return { password, ...ended };
    },
  );

  // A lost phone with the recovery codes used up would otherwise lock an
  // owner or admin out for good. The rules are the password reset's: nobody
  // resets their own (whoever holds their session would be let past the
  // second factor), and an admin's or owner's only by an owner.
  app.post(
    '/users/:id/mfa/reset',
    {
      config: { access: 'admin', errors: ['NOT_FOUND', 'CANNOT_RESET_SELF', 'USER_DISABLED'] },
      schema: {
        tags: ['users'],
        summary: "Reset a user's two-step sign-in (lost phone): TOTP secret and recovery codes cleared, sessions ended",
        params: IdParams,
        response: { 200: SecondFactorResetView },
      },
    },
    async (req) => {
      const p = principalOf(req);
      if (req.params.id === p.userId) throw new ApiError('CANNOT_RESET_SELF', "you cannot reset your own two-step sign-in; another owner can, or the operator on the server");
      const target = await getUser(db, p.practiceId, req.params.id);
      refuseUnlessMayReset(p.role, target.role, 'two-step sign-in');
      const done = await resetSecondFactor(db, p.practiceId, target.id, actorOf(req));
      if (done.reset) await queueSecurityNotice(securityNotice, db, req, target.id, 'mfa_reset', portal.clock.now());
      return done;
    },
  );
};

function refuseUnlessMayReset(caller: Role, target: Role, what: string): void {
  if (roleAtLeast(target, 'admin') && !roleAtLeast(caller, 'owner')) throw new ApiError('FORBIDDEN', `only an owner can change or reset an owner's or an admin's ${what}`);
}
