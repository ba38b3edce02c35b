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
import { assertTailAuthentic } from './append-guard.ts';
import type { AuditKey, AuditKeyring } from './audit-key.ts';
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
  /**
   * The runtime's audit keys (audit-key.ts): new events are tagged under the
   * current one, and nothing is linked onto a chain whose last event is not
   * tagged under one of them (append-guard.ts). Null (and no `key`) writes
   * unkeyed events, which verify refuses after keyed ones.
   */
  keys?: AuditKeyring | null;
  /** Shorthand for `keys` with no retired key. */
  key?: AuditKey | null;
}

export class AuditLog<Tx> {
  readonly #store: AuditStore<Tx>;
  readonly #clock: AuditClock;
  readonly #newId: () => string;
  readonly #keys: AuditKeyring | null;

  constructor(options: AuditLogOptions<Tx>) {
    this.#store = options.store;
    this.#clock = options.clock;
    this.#newId = options.newId ?? randomUUID;
    this.#keys = options.keys ?? (options.key ? { current: options.key, retired: [] } : null);
  }

  async record(tx: Tx, input: AuditEventInput): Promise<AuditEvent> {
    const valid = validateEventInput(input);
    const id = this.#newId();
    const at = new Date(this.#clock.now()).toISOString();
    const chain = chainKeyFor(valid.practiceId);
    const keys = this.#keys;
    return this.#store.append(tx, chain, (head, tail) => {
      if (keys) assertTailAuthentic(keys, chain, head, tail);
      return linkEvent(head, {
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
      }, keys?.current ?? null);
    });
  }
}
