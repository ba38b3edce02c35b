// The object lifecycle as an explicit state machine.
//
//   writing ──commit──▶ committed ──shred──▶ shredded
//      │                                       ▲
//      ├──recover (crash, no final chunk)──▶ partial ──shred──┘
//      └──abort (writer gave up, or nothing durable at recovery)──┘
//
// 'writing' objects are never read; 'partial' objects read back every chunk
// that authenticated at recovery time; 'shredded' objects have no content
// key and are waiting for their blob to be removed and their receipt written.
// The repositories apply these as compare-and-set on the state column, so
// two processes can never both win the same move.

import type { ObjectState } from './repositories.ts';

const ALLOWED: Record<ObjectState, readonly ObjectState[]> = {
  writing: ['committed', 'partial', 'shredded'],
  committed: ['shredded'],
  partial: ['shredded'],
  shredded: [],
};

export interface Transition {
  readonly from: readonly ObjectState[];
  readonly to: ObjectState;
}

function transition(from: readonly ObjectState[], to: ObjectState): Transition {
  for (const s of from) if (!ALLOWED[s].includes(to)) throw new Error(`illegal object transition ${s} -> ${to}`);
  return { from, to };
}

/** Every move the vault makes; each is checked against ALLOWED when this module loads. */
export const Transitions = {
  /** The writer (or sealBytes) finished: the final chunk is durable and the blob committed. */
  commit: transition(['writing'], 'committed'),
  /** Recovery found a final chunk: the crash came between the last sync and the record update. */
  recoverComplete: transition(['writing'], 'committed'),
  /** Recovery kept the chunks that authenticate; no final chunk. */
  recoverPartial: transition(['writing'], 'partial'),
  /** Retention purge or an erasure request. */
  shredStored: transition(['committed', 'partial'], 'shredded'),
  /** A write abandoned, or one that never made anything durable. */
  abort: transition(['writing'], 'shredded'),
} as const;

export function canTransition(from: ObjectState, to: ObjectState): boolean {
  return ALLOWED[from].includes(to);
}

export function isReadable(state: ObjectState): boolean {
  return state === 'committed' || state === 'partial';
}
