/**
 * The keyed-install marker: a record, kept OUTSIDE the database, that this
 * install's audit log is keyed.
 *
 * Why. An install upgraded from before keyed chains ends its chains in
 * untagged events, and its first start tags them (checkpoint.ts). Inside the
 * database nothing tells that genuine state from a forgery: someone who can
 * write the database (but not read the master key file) strips the tags from
 * EVERY chain, rebuilds the SHA-256 links, and the install looks never
 * upgraded; the next start would tag the forgery. The marker breaks the tie.
 * It lives beside the master key file (same directory, same 0600), where a
 * database writer cannot reach, and says under the audit key:
 *
 *   mac = HMAC-SHA-256(K_audit, "sotto audit keyed marker v1\n" ||
 *                      canonicalJson({ format, version, keyId, chains, writtenAt }))
 *
 * (RFC 2104; the prefix and length keep it apart from the events' tags,
 * which are HMACs of 32 raw bytes.) With a valid marker an untagged chain is
 * never tagged: it is a downgrade.
 *
 * `chains` binds the marker to this install: the audit chains (practice ids,
 * and "installation") that existed when it was written. A marker whose
 * chains this database does not all have was copied from another install
 * (or the database was restored from before they existed): refused. Its key
 * id binds it to the master key: another install's marker is under an audit
 * key this one does not hold.
 *
 * Pure: parsing and checking never throw on the file's bytes.
 */
import { createHmac, timingSafeEqual } from 'node:crypto';
import { isAuditKeyId, keyById, type AuditKey, type AuditKeyring } from './audit-key.ts';
import { canonicalJson } from './canonical.ts';

export const KEYED_MARKER_FORMAT = 'sotto-audit-keyed';
export const KEYED_MARKER_VERSION = 1;
const MAC_CONTEXT = 'sotto audit keyed marker v1\n';
const HEX64 = /^[0-9a-f]{64}$/;
/** Chain keys are practice ids or "installation"; anything longer is not ours. */
const MAX_CHAIN_KEY = 200;

export interface KeyedMarker {
  format: typeof KEYED_MARKER_FORMAT;
  version: typeof KEYED_MARKER_VERSION;
  /** The audit key whose tag `mac` is. */
  keyId: string;
  /** The install's audit chains when it was written, sorted. */
  chains: string[];
  writtenAt: string;
  mac: string;
}

export type MarkerCheck =
  | { ok: true; marker: KeyedMarker; key: AuditKey }
  | { ok: false; code: 'AUDIT_MARKER_INVALID' | 'AUDIT_MARKER_FOREIGN'; why: string };

function macInput(m: Omit<KeyedMarker, 'mac'>): string {
  return MAC_CONTEXT + canonicalJson({ format: m.format, version: m.version, keyId: m.keyId, chains: m.chains, writtenAt: m.writtenAt });
}

/** The file's text: one JSON line. */
export function writeKeyedMarker(key: AuditKey, chains: Iterable<string>, writtenAt: Date): string {
  const body = { format: KEYED_MARKER_FORMAT, version: KEYED_MARKER_VERSION, keyId: key.id, chains: [...new Set(chains)].sort(), writtenAt: writtenAt.toISOString() } as const;
  const mac = createHmac('sha256', key.key).update(macInput(body), 'utf8').digest('hex');
  return JSON.stringify({ ...body, mac }) + '\n';
}

function parse(text: string): KeyedMarker | null {
  let v: unknown;
  try {
    v = JSON.parse(text);
  } catch {
    return null;
  }
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return null;
  const m = v as Record<string, unknown>;
  const chains = m['chains'];
  const wellFormed =
    m['format'] === KEYED_MARKER_FORMAT &&
    m['version'] === KEYED_MARKER_VERSION &&
    isAuditKeyId(m['keyId']) &&
    Array.isArray(chains) &&
    chains.every((c) => typeof c === 'string' && c.length > 0 && c.length <= MAX_CHAIN_KEY) &&
    typeof m['writtenAt'] === 'string' &&
    typeof m['mac'] === 'string' &&
    HEX64.test(m['mac']);
  return wellFormed ? (m as unknown as KeyedMarker) : null;
}

/**
 * Is `text` a marker this install wrote: well formed, tagged under a key of
 * `keys` (the current audit key, or a retired one kept beside it: a start
 * after an interrupted rotation), naming only chains in `chainsHere`?
 */
export function checkKeyedMarker(text: string, keys: AuditKeyring, chainsHere: ReadonlySet<string>): MarkerCheck {
  const marker = parse(text);
  if (marker === null) return { ok: false, code: 'AUDIT_MARKER_INVALID', why: 'it is not a Sotto audit marker (damaged or replaced)' };
  const key = keyById(keys, marker.keyId);
  if (key === null) {
    return {
      ok: false,
      code: 'AUDIT_MARKER_FOREIGN',
      why: `it is under audit key ${marker.keyId}, which is neither this install's nor a retired key kept beside the master key: another install's marker, or the retired key was destroyed before the marker moved on to the new one`,
    };
  }
  const want = createHmac('sha256', key.key).update(macInput(marker), 'utf8').digest();
  if (!timingSafeEqual(want, Buffer.from(marker.mac, 'hex'))) return { ok: false, code: 'AUDIT_MARKER_INVALID', why: 'its tag does not check out under the audit key it names (edited or forged)' };
  const missing = marker.chains.filter((c) => !chainsHere.has(c));
  if (missing.length > 0) {
    return {
      ok: false,
      code: 'AUDIT_MARKER_FOREIGN',
      why: `it names ${missing.length} audit chain(s) this database does not have (${missing.slice(0, 3).join(', ')}${missing.length > 3 ? ', …' : ''}): another install's marker, or a database restored from before they existed`,
    };
  }
  return { ok: true, marker, key };
}

/** Whether a valid marker should be written again: under an older key, or not naming every chain there is now. */
export function markerOutdated(marker: KeyedMarker, keys: AuditKeyring, chainsHere: ReadonlySet<string>): boolean {
  if (marker.keyId !== keys.current.id) return true;
  const named = new Set(marker.chains);
  return [...chainsHere].some((c) => !named.has(c));
}
