/**
 * The audit log as commands use it:
 *
 *   await db.transaction(async (tx) => {
 *     const audio = await voicemails.openAudio(tx, id);
 *     await audit.record(tx, { practiceId, actor, action: 'voicemail.play', object: { type: 'voicemail', id }, sourceIp, outcome: 'success' });
 *   });
 *
 * Recording validates the event (PHI guard included), links it onto its
 * chain under the store's per-chain lock and throws if any of that fails,
 * so the action that was to be recorded fails with it.
 */
import { randomUUID } from 'node:crypto';
import type { AuditKey } from './audit-key.ts';
import { linkEvent } from './chain.ts';
import { chainKeyFor, validateEventInput, type AuditEvent, type AuditEventInput } from './event.ts';
import type { AuditStore } from './store.ts';

export interface AuditClock {
  now(): number;
}

export interface AuditLogOptions<Tx> {
  store: AuditStore<Tx>;
  clock: AuditClock;
  /** Event ids; default random UUIDs. */
  newId?: () => string;
  /** The audit key new events are tagged with (the runtime's; audit-key.ts). Null writes unkeyed events, which verify refuses after keyed ones. */
  key?: AuditKey | null;
}

export class AuditLog<Tx> {
  readonly #store: AuditStore<Tx>;
  readonly #clock: AuditClock;
  readonly #newId: () => string;
  readonly #key: AuditKey | null;

  constructor(options: AuditLogOptions<Tx>) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#newId = options.newId ?? randomUUID;
    this.#key = options.key ?? null;
  }

  async record(tx: Tx, input: AuditEventInput): Promise<AuditEvent> {
    const valid = validateEventInput(input);
    const id = this.#newId();
    const at = new Date(this.#clock.now()).toISOString();
    return this.#store.append(tx, chainKeyFor(valid.practiceId), (head) =>
      linkEvent(head, {
        id,
        seq: head.seq + 1,
        at,
        practiceId: valid.practiceId,
        actor: valid.actor,
        action: valid.action,
        object: valid.object,
        sourceIp: valid.sourceIp,
        outcome: valid.outcome,
        details: valid.details,
      }, this.#key),
    );
  }
}
