// What a dialled number means before any phone rings. Two local services
// exist besides extensions: the mailbox feature code (any box: the menu
// asks for the box number, then its PIN) and dialling one's own extension
// (one's own box: the PIN only). The PIN is asked every time; the caller's
// identity never opens a box by itself.

/** The feature code that reaches the voicemail menu from any phone. */
export const MAILBOX_FEATURE_CODE = '*97';

export type Dialled =
  | { readonly kind: 'extension'; readonly extension: string }
  | { readonly kind: 'mailbox'; readonly own: boolean };

export function classifyDialled(dialled: string, callerExtension: string): Dialled {
  if (dialled === MAILBOX_FEATURE_CODE) return { kind: 'mailbox', own: false };
  if (dialled === callerExtension) return { kind: 'mailbox', own: true };
  return { kind: 'extension', extension: dialled };
}
