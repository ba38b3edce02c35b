/**
 * Which audit keys a database's events are tagged with. The runtime binds
 * its keyring to the database handle once; every command records its events
 * through a transaction of that handle (directory/audit.ts), so the keyring
 * is looked up from the transaction rather than threaded through every
 * command's signature. The lookup goes by the Kysely executor's adapter:
 * one per Kysely instance, shared by its transactions (Kysely hands each
 * transaction an executor built from the same adapter), so two installs
 * open in one process (tests) never tag with each other's key.
 */
import type { Kysely, Transaction } from 'kysely';
import { checkpointChains, secureKeyedInstall, type AuditKeyring, type CheckpointOutcome, type KeyedInstallReport } from '../audit/index.ts';
import { KyselyAuditStore } from './audit-store.ts';
import type { Database } from './schema.ts';

type Db = Kysely<Database> | Transaction<Database>;

const bound = new WeakMap<object, AuditKeyring>();

export function bindAuditKeys(db: Kysely<Database>, keys: AuditKeyring): void {
  bound.set(db.getExecutor().adapter, keys);
}

/** The keyring bound to this database (or the database of this transaction); null when none is. */
export function auditKeysOf(db: Db): AuditKeyring | null {
  return bound.get(db.getExecutor().adapter) ?? null;
}

/**
 * Checkpoints every chain whose tail is under an older audit key onto the
 * current one (audit/checkpoint.ts), with the keyring given (which should
 * hold the retired key), and binds that keyring. No keyed-install marker is
 * read or written: for a database without a data dir (tests, tools); the
 * runtime and `sotto keys rotate` call secureAuditLog below.
 */
export async function rekeyAuditLog(db: Kysely<Database>, keys: AuditKeyring): Promise<CheckpointOutcome[]> {
  const outcomes = await checkpointChains({
    store: new KyselyAuditStore(db),
    keys,
    transaction: (fn) => db.transaction().execute(fn),
    clock: { now: () => Date.now() },
  });
  bindAuditKeys(db, keys);
  return outcomes;
}

/**
 * What a start (and `sotto keys rotate`, with the retired key in the
 * keyring) runs: the keyed-install marker beside the master key checked,
 * the chains moved on to the current audit key, the marker kept in step
 * (audit/keyed-install.ts); then the keyring is bound. A report with a
 * problem is the caller's to refuse.
 */
export async function secureAuditLog(db: Kysely<Database>, keys: AuditKeyring, markerPath: string): Promise<KeyedInstallReport> {
  const report = await secureKeyedInstall({
    store: new KyselyAuditStore(db),
    keys,
    transaction: (fn) => db.transaction().execute(fn),
    clock: { now: () => Date.now() },
    markerPath,
  });
  bindAuditKeys(db, keys);
  return report;
}
