import type { Static } from '@sinclair/typebox';
import type { Extension } from '../../../directory/index.ts';
import type { ExtensionView } from './schema.ts';

export function presentExtension(e: Extension): Static<typeof ExtensionView> {
  return { id: e.id, number: e.number, userId: e.userId, voicemailBoxId: e.voicemailBoxId };
}
