// The object lifecycle as an explicit state machine.
//
//   writing ──commit──▶ committed ──shred──▶ shredded
//      │                                       ▲
//      ├──recover (crash, no final chunk)──▶ partial ──shred──┘
//      └──abort / shred───────────────────────────────────────┘
//
// 'writing' objects are never read; 'partial' objects read back every chunk
// that authenticated at recovery time; 'shredded' objects have no content
// key and are waiting for their blob to be removed and their receipt written.

import type { ObjectState } from './repositories.ts';

const ALLOWED: Record<ObjectState, readonly ObjectState[]> = {
  writing: ['committed', 'partial', 'shredded'],
  committed: ['shredded'],
  partial: ['shredded'],
  shredded: [],
};

export function canTransition(from: ObjectState, to: ObjectState): boolean {
  return ALLOWED[from].includes(to);
}

/** States a transition to `to` may start from. */
export function sourcesOf(to: ObjectState): ObjectState[] {
  return (Object.keys(ALLOWED) as ObjectState[]).filter((from) => ALLOWED[from].includes(to));
}

export function isReadable(state: ObjectState): boolean {
  return state === 'committed' || state === 'partial';
}
