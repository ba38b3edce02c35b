// What Sotto says to a caller when a box has no recorded greeting. The
// default asks callers not to leave medical details on a voicemail and to ask
// for a call back instead (DESIGN.md, HIPAA-safe defaults): a message is
// PHI the moment a patient speaks it, and less of it is safer.

export type GreetingKind = 'unavailable' | 'busy';

/**
 * The same text for every box (no extension number in it), so each kind is
 * synthesised once per process and can be warmed at start-up.
 */
export function defaultGreetingText(kind: GreetingKind): string {
  const lead = kind === 'busy' ? 'The person you are calling is on another call.' : 'The person you are calling is not available.';
  return (
    `${lead} Please leave your name and a number to call you back. ` +
    'For your privacy, please do not leave medical details in this message; ask us to call you back instead. ' +
    'Record your message after the tone, and press the pound key or hang up when you are done.'
  );
}
