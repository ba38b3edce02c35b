import { Type } from '@sinclair/typebox';

export const ExtensionView = Type.Object({
  id: Type.String(),
  number: Type.String(),
  userId: Type.Union([Type.String(), Type.Null()]),
  voicemailBoxId: Type.Union([Type.String(), Type.Null()]),
});

export const ExtensionList = Type.Object({ items: Type.Array(ExtensionView) });
