import { Type } from '@sinclair/typebox';

export const CallSettingsView = Type.Object({
  userId: Type.String(),
  doNotDisturb: Type.Boolean(),
  ringTimeoutSeconds: Type.Integer({ minimum: 5, maximum: 120 }),
  updatedAt: Type.Union([Type.String({ format: 'date-time' }), Type.Null()]),
});

export const CallSettingsPatch = Type.Object(
  {
    doNotDisturb: Type.Optional(Type.Boolean()),
    ringTimeoutSeconds: Type.Optional(Type.Integer({ minimum: 5, maximum: 120 })),
  },
  { additionalProperties: false, minProperties: 1 },
);
