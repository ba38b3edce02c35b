import { Type } from '@sinclair/typebox';
import { DISPLAY_TEXT_MAX, ROLES } from '../../../directory/index.ts';
import { DisplayText } from '../common.ts';

export const RoleSchema = Type.Union(ROLES.map((r) => Type.Literal(r)));

export const UserView = Type.Object({
  id: Type.String(),
  email: Type.String(),
  displayName: Type.String(),
  role: RoleSchema,
  status: Type.Union([Type.Literal('active'), Type.Literal('disabled')]),
  extension: Type.Union([Type.String(), Type.Null()]),
  createdAt: Type.String({ format: 'date-time' }),
});

export const UserList = Type.Object({ items: Type.Array(UserView) });

export const NewUserBody = Type.Object(
  {
    email: Type.String({ format: 'email', maxLength: 254 }),
    displayName: DisplayText(DISPLAY_TEXT_MAX.displayName),
    role: RoleSchema,
    extension: Type.Optional(Type.String({ pattern: '^[0-9]{2,6}$' })),
  },
  { additionalProperties: false },
);

export const CreatedUser = Type.Object({
  user: UserView,
  voicemailPin: Type.Union([Type.String(), Type.Null()], { description: 'Shown once; only a hash is kept' }),
});

export const UserPatch = Type.Object(
  {
    displayName: Type.Optional(DisplayText(DISPLAY_TEXT_MAX.displayName)),
    email: Type.Optional(Type.String({ format: 'email', maxLength: 254 })),
    role: Type.Optional(RoleSchema),
    extension: Type.Optional(
      Type.String({
        pattern: '^[0-9]{2,6}$',
        description:
          "The user's extension. For a user without one it is made, with its voicemail box (PIN in `voicemailPin`, shown once); for one with one, the number changes (box, devices and settings stay) and their phones' registrations end: each phone is reachable on the new number once it registers again.",
      }),
    ),
  },
  { additionalProperties: false, minProperties: 1 },
);

export const UpdatedUserView = Type.Composite([
  UserView,
  Type.Object({ voicemailPin: Type.Optional(Type.String({ description: 'Only when this change gave the user their first extension: the new voicemail box PIN, shown once; only a hash is kept' })) }),
]);

export const NewPortalPassword = Type.Object({
  password: Type.String({ description: 'Shown once; only an argon2id hash is kept. The user signs in with it (owners and admins then set up two-factor).' }),
  endedSessions: Type.Integer({ minimum: 0, description: "The user's portal sessions ended by the change" }),
  revokedTokens: Type.Integer({ minimum: 0, description: "The user's API tokens revoked by the change (a reset is what one does about a credential one no longer trusts)" }),
});

export const SecondFactorResetView = Type.Object({
  reset: Type.Boolean({ description: 'False when the user had no two-step sign-in set up: nothing was changed or recorded' }),
  endedSessions: Type.Integer({ minimum: 0, description: "The user's portal sessions ended by the reset" }),
  recoveryCodesCleared: Type.Integer({ minimum: 0, description: 'Recovery codes that no longer work, used or not' }),
});
