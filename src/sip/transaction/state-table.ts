/**
 * The guard every transaction state machine moves through: a table of the
 * moves its RFC figure draws, and one function that refuses any other.
 * An illegal move is a bug in Sotto, not peer input, so it throws.
 */

export type TransitionTable<S extends string> = Readonly<Record<S, readonly S[]>>;

export class IllegalTransitionError extends Error {
  readonly code = 'SIP_TRANSACTION_ILLEGAL_TRANSITION';
  constructor(machine: string, from: string, to: string) {
    super(`${machine}: illegal transition ${from} -> ${to}`);
  }
}

export function checkTransition<S extends string>(machine: string, table: TransitionTable<S>, from: S, to: S): void {
  if (!table[from].includes(to)) throw new IllegalTransitionError(machine, from, to);
}
