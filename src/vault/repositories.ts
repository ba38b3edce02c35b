// What the vault persists, as narrow repository interfaces. The vault owns
// the semantics; db/ implements them on Kysely (SQLite and PostgreSQL) and
// memory-repositories.ts implements them for unit tests. No table here holds
// PHI: ids, kinds, sizes, times and wrapped (encrypted) keys only.

export const ARTIFACT_KINDS = [
  'voicemail',
  'fax',
  'text',
  'transcript',
  'call_recording',
  'meeting_recording',
  'audit_log',
] as const;
export type ArtifactKind = (typeof ARTIFACT_KINDS)[number];

export function isArtifactKind(value: string): value is ArtifactKind {
  return (ARTIFACT_KINDS as readonly string[]).includes(value);
}

/** One data key per practice, wrapped by the master key. Table `vault_data_keys`. */
export interface DataKeyRecord {
  keyId: string;
  practiceId: string;
  /** AES-256-GCM wrap of the 32-byte data key under the master key (aead.ts layout). */
  wrappedKey: Buffer;
  masterKeyId: string;
  createdAt: Date;
  /** Last time the key was re-wrapped under a new master key; null if never. */
  rotatedAt: Date | null;
}

export interface DataKeyRepository {
  /** The practice's data key, if one exists. */
  findByPractice(practiceId: string): Promise<DataKeyRecord | undefined>;
  get(keyId: string): Promise<DataKeyRecord | undefined>;
  /**
   * Inserts a practice's first data key. Returns 'conflict' (and stores
   * nothing) when the practice already has one, so concurrent first writes
   * converge on a single key (unique index on practice_id).
   */
  insert(record: DataKeyRecord): Promise<'inserted' | 'conflict'>;
  listAll(): Promise<DataKeyRecord[]>;
  /**
   * Compare-and-set re-wrap: replaces wrappedKey/masterKeyId/rotatedAt only if
   * the row is still wrapped under `expectedMasterKeyId`. Returns whether it did.
   */
  rewrap(
    keyId: string,
    expectedMasterKeyId: string,
    next: { wrappedKey: Buffer; masterKeyId: string; rotatedAt: Date },
  ): Promise<boolean>;
}

/**
 * Object lifecycle (see object-state.ts):
 *   writing -> committed | partial | shredded;  committed|partial -> shredded
 */
export type ObjectState = 'writing' | 'committed' | 'partial' | 'shredded';

/** One sealed artifact. Table `vault_objects`. */
export interface ObjectRecord {
  id: string;
  practiceId: string;
  kind: ArtifactKind;
  /** The user whose artifact this is (mailbox owner, recorder); drives per-user legal holds. */
  ownerUserId: string | null;
  /** Practice data key that wraps this object's content key; also in the blob header. */
  dataKeyId: string;
  /**
   * This object's own AES-256 content key wrapped by the practice data key.
   * Set to null to crypto-shred: without it the blob cannot be decrypted.
   */
  wrappedContentKey: Buffer | null;
  /** Opaque blob store reference (not derived from the id, reveals nothing). */
  blobRef: string;
  /** Plaintext bytes; null while writing. */
  size: number | null;
  state: ObjectState;
  createdAt: Date;
  /** When the object became committed or was recovered as partial. */
  sealedAt: Date | null;
  /** Purge after this instant; null keeps it until policy changes. */
  retentionDeadline: Date | null;
  legalHold: boolean;
  /** Why the object is being shredded; set together with state 'shredded'. */
  shredReason: DeletionReason | null;
}

/** Proof that an object was destroyed. Table `vault_deletion_receipts`. No PHI. */
export interface DeletionReceipt {
  id: string;
  objectId: string;
  practiceId: string;
  kind: ArtifactKind;
  deletedAt: Date;
  reason: DeletionReason;
  /** 'crypto_shred': wrapped content key destroyed and blob file removed. */
  method: 'crypto_shred';
}

export type DeletionReason = 'retention_expired' | 'requested' | 'aborted';

/** What {@link ObjectRepository.getNow} answers when it cannot answer without waiting: call get(). */
export const LOOKUP_LATER = 'later';

export interface ObjectRepository {
  insert(record: ObjectRecord): Promise<void>;
  get(id: string): Promise<ObjectRecord | undefined>;
  /**
   * The record as get() would resolve it, answered without a promise, or
   * LOOKUP_LATER when that is not possible right now (SQLite while Kysely
   * holds a transaction open on the shared connection; a database reached
   * over the network never can, and leaves it out). The open path of a
   * small object pays for every promise; SQLite, the default, answers
   * from a prepared statement.
   */
  getNow?(id: string): ObjectRecord | undefined | typeof LOOKUP_LATER;
  findByBlobRef(blobRef: string): Promise<ObjectRecord | undefined>;
  /**
   * Compare-and-set state change: applies `patch` only if the current state is
   * one of `from`. Returns the updated record, or undefined if it did not apply.
   */
  transition(
    id: string,
    from: readonly ObjectState[],
    patch: { state: ObjectState; size?: number | null; sealedAt?: Date | null },
  ): Promise<ObjectRecord | undefined>;
  listByState(state: ObjectState, limit: number): Promise<ObjectRecord[]>;
  /**
   * Objects in state committed or partial whose retentionDeadline <= now and
   * legalHold = false, oldest deadline first. (Per-user holds are checked by
   * the vault, since they live in another table.)
   */
  listExpired(now: Date, limit: number): Promise<ObjectRecord[]>;
  /** The practice's objects not yet shredded (any state but 'shredded'), oldest first: retention sync and status. */
  listByPractice(practiceId: string): Promise<ObjectRecord[]>;
  setLegalHold(id: string, hold: boolean): Promise<boolean>;
  setRetentionDeadline(id: string, deadline: Date | null): Promise<boolean>;
  /**
   * Crypto-shred step one, atomically: if the object exists, is not under an
   * object legal hold and is in one of `from`, set wrappedContentKey = null,
   * state = 'shredded' and shredReason = reason. Returns the record as it
   * was before, or undefined if nothing changed.
   */
  shred(id: string, from: readonly ObjectState[], reason: DeletionReason): Promise<ObjectRecord | undefined>;
  /**
   * Crypto-shred last step, in one transaction: delete the (shredded) object
   * row and insert the receipt.
   */
  finishShred(id: string, receipt: DeletionReceipt): Promise<void>;
}

export interface DeletionReceiptRepository {
  list(filter: { practiceId?: string; since?: Date }): Promise<DeletionReceipt[]>;
}

/** A legal hold on every artifact of one user. Table `vault_user_holds`. */
export interface UserHold {
  practiceId: string;
  userId: string;
  placedAt: Date;
  /** Case or ticket reference supplied by the admin; must not be PHI. */
  reference: string;
}

export interface UserHoldRepository {
  place(hold: UserHold): Promise<void>;
  release(practiceId: string, userId: string): Promise<boolean>;
  isHeld(practiceId: string, userId: string): Promise<boolean>;
  list(practiceId: string): Promise<UserHold[]>;
}

export interface VaultRepositories {
  dataKeys: DataKeyRepository;
  objects: ObjectRepository;
  receipts: DeletionReceiptRepository;
  userHolds: UserHoldRepository;
  /**
   * After key material was destroyed or replaced (a shred, a rotation): make
   * the old bytes leave the database's files, where the store keeps page
   * images of overwritten rows (SQLite: its write-ahead log). Resolves false
   * when it could not finish now (another process reading): try again later.
   * Best effort: the keys are already gone from every live row.
   */
  scrub?(): Promise<boolean>;
}
