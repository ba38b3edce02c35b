import { Type } from '@sinclair/typebox';
import { RoleSchema } from '../users/schema.ts';

export const SignInBody = Type.Object(
  {
    email: Type.String({ minLength: 3, maxLength: 254 }),
    password: Type.String({ minLength: 1, maxLength: 1024 }),
    practiceId: Type.Optional(Type.String({ minLength: 1, maxLength: 64, pattern: '^[A-Za-z0-9-]+$', description: 'Only when one email belongs to several practices' })),
  },
  { additionalProperties: false },
);

export const CodeBody = Type.Object(
  { code: Type.String({ minLength: 6, maxLength: 32, description: 'A 6-digit TOTP code or a recovery code' }) },
  { additionalProperties: false },
);

export const SessionView = Type.Object({
  stage: Type.Union([Type.Literal('active'), Type.Literal('mfa_pending')]),
  via: Type.Union([Type.Literal('session'), Type.Literal('token')]),
  user: Type.Union([Type.Object({ id: Type.String(), practiceId: Type.String(), role: RoleSchema }), Type.Null()]),
  mfaEnrolled: Type.Boolean(),
  mfaEnrolmentRequired: Type.Boolean({ description: 'Owners and admins must set up two-factor sign-in before anything else' }),
  idleTimeoutMinutes: Type.Union([Type.Integer(), Type.Null()]),
  idleExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  absoluteExpiresAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
  csrfToken: Type.Union([Type.String(), Type.Null()], { description: 'Send back in the X-CSRF-Token header on every state-changing request' }),
});

export const EnrolmentView = Type.Object({
  otpauthUri: Type.String({ description: 'Shown once, as a QR code' }),
  secret: Type.String({ description: 'Base32, for typing into an authenticator app; shown once' }),
});

export const EnrolmentConfirmed = Type.Object({
  recoveryCodes: Type.Array(Type.String(), { description: 'Shown once; only hashes are kept' }),
});

export const PasswordChangeBody = Type.Object(
  {
    currentPassword: Type.String({ minLength: 1, maxLength: 1024 }),
    newPassword: Type.String({ minLength: 1, maxLength: 1024, description: '12 to 128 characters, not a commonly used password, not made of your name, email or the practice' }),
  },
  { additionalProperties: false },
);

export const PasswordChanged = Type.Object({
  endedSessions: Type.Integer({ minimum: 0, description: 'Your other portal sessions, ended by the change; the one it was made from stays signed in' }),
});

export const TotpCodeBody = Type.Object(
  { code: Type.String({ minLength: 6, maxLength: 9, description: 'A 6-digit code from the authenticator app (spaces allowed); recovery codes do not make new ones' }) },
  { additionalProperties: false },
);

export const RecoveryCodesLeft = Type.Object({
  enrolled: Type.Boolean({ description: 'Two-step sign-in is set up' }),
  total: Type.Integer({ description: 'Codes in the current set' }),
  left: Type.Integer({ description: 'Codes of the set not used yet' }),
});
