/**
 * The audit key: what makes the chain's links something only Sotto can
 * write. The SHA-256 chain (chain.ts) proves an event was not changed since
 * its successor was linked, but anyone who can write the database can
 * rewrite events and recompute every hash after them. So each keyed event
 * also carries
 *
 *   mac_n = HMAC-SHA-256(K_audit, hash_n as 32 raw bytes)        (RFC 2104)
 *   K_audit = HKDF-SHA-256(master key, salt "sotto-audit",
 *                          info "sotto audit chain v1", 32 bytes) (RFC 5869)
 *
 * The master key file lives apart from the database, so a database writer
 * cannot produce a valid tag. Because hash_n commits to every earlier event,
 * one valid tag authenticates the whole prefix of the chain up to it: that
 * is what lets events written before the chain was keyed (an upgraded
 * install) and events tagged under a retired master key (after
 * `sotto keys rotate`) stay verified without the key that wrote them.
 *
 * The key id names the key without revealing it: "ak_" and 16 hex digits of
 * HMAC(K_audit, "sotto audit key id"). It is part of the hashed body.
 */
import { createHmac, createSecretKey, hkdfSync, timingSafeEqual, type KeyObject } from 'node:crypto';

const SALT = 'sotto-audit';
const INFO = 'sotto audit chain v1';
const KEY_BYTES = 32;
const KEY_ID = /^ak_[0-9a-f]{16}$/;

export interface AuditKey {
  readonly id: string;
  /** Imported once: an HMAC from a KeyObject skips re-importing the key bytes on every append. */
  readonly key: KeyObject;
}

/** The key new events are tagged with, and retired ones that old tags can still be checked against. */
export interface AuditKeyring {
  readonly current: AuditKey;
  readonly retired: readonly AuditKey[];
}

export function deriveAuditKey(masterKey: Uint8Array): AuditKey {
  if (masterKey.length !== KEY_BYTES) throw new Error('the master key must be 32 bytes');
  const bytes = Buffer.from(hkdfSync('sha256', masterKey, SALT, INFO, KEY_BYTES));
  const key = createSecretKey(bytes);
  bytes.fill(0);
  const id = 'ak_' + createHmac('sha256', key).update('sotto audit key id', 'utf8').digest('hex').slice(0, 16);
  return { id, key };
}

/** A keyring from the current master key and any retired ones still at hand. */
export function auditKeyring(masterKey: Uint8Array, retiredMasterKeys: readonly Uint8Array[] = []): AuditKeyring {
  const current = deriveAuditKey(masterKey);
  const retired = retiredMasterKeys.map(deriveAuditKey).filter((k) => k.id !== current.id);
  return { current, retired };
}

export function keyById(ring: AuditKeyring, id: string): AuditKey | null {
  if (ring.current.id === id) return ring.current;
  return ring.retired.find((k) => k.id === id) ?? null;
}

export function isAuditKeyId(v: unknown): v is string {
  return typeof v === 'string' && KEY_ID.test(v);
}

/** The tag of an event whose chain hash is `hash` (64 lower-case hex digits). */
export function macOf(key: AuditKey, hash: string): string {
  return createHmac('sha256', key.key).update(Buffer.from(hash, 'hex')).digest('hex');
}

/** Constant-time: a verifier must not tell a forger how many leading digits were right. */
export function macMatches(key: AuditKey, hash: string, mac: string): boolean {
  const want = Buffer.from(macOf(key, hash), 'hex');
  const got = Buffer.from(mac, 'hex');
  return got.length === want.length && timingSafeEqual(got, want);
}
