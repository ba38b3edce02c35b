/**
 * `sotto audit export`: a chain (or a seq range of it) as JSON Lines
 * (one JSON object per line, "\n"-terminated), verifiable offline with
 * nothing but SHA-256 and an RFC 8785 canonicaliser, and authenticated with
 * the audit key or against a published checkpoint.
 *
 *   {"kind":"header","format":"sotto-audit-export","version":2,"chain":"<key>",
 *    "practiceId":"<id>"|null,"exportedAt":"<ISO>","start":{"seq":N,"hash":"<hex>"},
 *    "hash":"sha256(prevHash||rfc8785(event without prevHash,hash,mac, and without keyId when null))",
 *    "mac":"hmac-sha256(audit key keyId,hash)"}
 *   {"kind":"event","event":{...every field, prevHash and hash included...}}
 *   ...
 *   {"kind":"end","count":N,"head":{"seq":N,"hash":"<hex>"}}
 *
 * `start` is the head just before the first exported event (seq 0 and 64
 * zeros for a whole chain). To check an export: for each event, its
 * prevHash must equal the previous hash (start.hash for the first), its seq
 * the previous seq + 1, and its hash SHA-256(bytes(prevHash) ||
 * canonical(event minus prevHash and hash)); the end line must name the last
 * event. A ranged export is anchored by `start`: compare it with the head of
 * an earlier export or the live chain. Lines are themselves canonical JSON.
 *
 * Authenticity. A keyed event (keyId set; every event since the install was
 * upgraded) carries mac = HMAC-SHA-256(audit key, hash bytes). The SHA-256
 * checks prove the export is a consistent chain; only the tag proves Sotto
 * wrote it, since anyone can build a consistent chain. An auditor either
 * runs `sotto audit verify --file` where the master key is (it checks every
 * tag), or, with no key, compares the export's head hash with a checkpoint
 * published off the box earlier (a head line from `sotto audit verify`):
 * a matching hash at that seq vouches for every event up to it. Version 1
 * exports (no keys) are still read.
 */
import type { AuditKeyring } from './audit-key.ts';
import { canonicalJson, type CanonicalValue } from './canonical.ts';
import { EMPTY_HEAD, type ChainHead } from './chain.ts';
import type { AuditEvent } from './event.ts';
import type { AuditStore } from './store.ts';
import { ChainVerifier, type ChainBreak, type ChainVerification, type KeyedFrom, type KeySegment } from './verify.ts';

export const EXPORT_FORMAT = 'sotto-audit-export';
export const EXPORT_VERSION = 2;
/** Versions verifyExport reads: 1 predates keyed chains. */
const READABLE_VERSIONS: readonly number[] = [1, 2];
const HASH_RULE = 'sha256(prevHash||rfc8785(event without prevHash,hash,mac, and without keyId when null))';
const MAC_RULE = 'hmac-sha256(audit key keyId,hash)';

export interface ExportHeader {
  kind: 'header';
  format: typeof EXPORT_FORMAT;
  version: number;
  chain: string;
  practiceId: string | null;
  exportedAt: string;
  start: ChainHead;
  hash: string;
  mac?: string;
}

const line = (value: unknown) => canonicalJson(value as CanonicalValue) + '\n';

/**
 * Streams an export of `chainKey`, reading the store in pages so a long chain
 * never sits in memory. Yields complete lines.
 */
export async function* exportChain<Tx>(
  store: AuditStore<Tx>,
  chainKey: string,
  options: { practiceId: string | null; exportedAt: string; fromSeq?: number; toSeq?: number; pageSize?: number },
): AsyncGenerator<string> {
  const fromSeq = Math.max(1, options.fromSeq ?? 1);
  const pageSize = options.pageSize ?? 1000;
  let start: ChainHead = { ...EMPTY_HEAD };
  if (fromSeq > 1) {
    const [before] = await store.readRange(chainKey, { fromSeq: fromSeq - 1, toSeq: fromSeq - 1 });
    if (!before) throw new Error(`chain ${chainKey} has no event ${fromSeq - 1} to anchor the export`);
    start = { seq: before.seq, hash: before.hash };
  }
  const header: ExportHeader = {
    kind: 'header',
    format: EXPORT_FORMAT,
    version: EXPORT_VERSION,
    chain: chainKey,
    practiceId: options.practiceId,
    exportedAt: options.exportedAt,
    start,
    hash: HASH_RULE,
    mac: MAC_RULE,
  };
  yield line(header);
  let head = start;
  let count = 0;
  for (;;) {
    const page = await store.readRange(chainKey, { fromSeq: head.seq + 1, toSeq: options.toSeq, limit: pageSize });
    for (const event of page) {
      yield line({ kind: 'event', event });
      head = { seq: event.seq, hash: event.hash };
      count++;
    }
    if (page.length < pageSize) break;
  }
  yield line({ kind: 'end', count, head });
}

export type ExportFailure =
  | { code: 'EXPORT_UNREADABLE'; line: number }
  | { code: 'EXPORT_BAD_HEADER' }
  | { code: 'EXPORT_MISSING_END' }
  | { code: 'EXPORT_END_MISMATCH' }
  | { code: 'EXPORT_CHAIN_BROKEN'; line: number; break: ChainBreak };

export type ExportVerification =
  | { ok: true; header: ExportHeader; count: number; head: ChainHead; keyedFrom: KeyedFrom | null; headKeyId: string | null; keySegments: KeySegment[]; authenticated: boolean }
  | { ok: false; error: ExportFailure };

/**
 * Verifies an export given as lines (e.g. from readline over a file). Never
 * throws on bad input. With `keys`, every tag is checked too (verify.ts).
 */
export async function verifyExport(lines: AsyncIterable<string> | Iterable<string>, options: { keys?: AuditKeyring | null } = {}): Promise<ExportVerification> {
  let header: ExportHeader | null = null;
  let verifier: ChainVerifier | null = null;
  let end: { count: unknown; head: unknown } | null = null;
  let n = 0;
  for await (const raw of lines) {
    n++;
    const text = raw.trim();
    if (text === '') continue;
    if (end !== null) return { ok: false, error: { code: 'EXPORT_UNREADABLE', line: n } };
    let parsed: unknown;
    try {
      parsed = JSON.parse(text);
    } catch {
      return { ok: false, error: { code: 'EXPORT_UNREADABLE', line: n } };
    }
    const record = parsed as Record<string, unknown>;
    if (header === null) {
      if (!isHeader(record)) return { ok: false, error: { code: 'EXPORT_BAD_HEADER' } };
      header = record;
      verifier = new ChainVerifier({ practiceId: header.practiceId, start: header.start, requireAuthenticatedTail: false, ...(options.keys ? { keys: options.keys } : {}) });
    } else if (record['kind'] === 'event') {
      const broken = verifier!.push(record['event'] as AuditEvent);
      if (broken) return { ok: false, error: { code: 'EXPORT_CHAIN_BROKEN', line: n, break: broken } };
    } else if (record['kind'] === 'end') {
      end = { count: record['count'], head: record['head'] };
    } else {
      return { ok: false, error: { code: 'EXPORT_UNREADABLE', line: n } };
    }
  }
  if (header === null || verifier === null) return { ok: false, error: { code: 'EXPORT_BAD_HEADER' } };
  if (end === null) return { ok: false, error: { code: 'EXPORT_MISSING_END' } };
  const result: ChainVerification = verifier.finish();
  if (!result.ok) return { ok: false, error: { code: 'EXPORT_CHAIN_BROKEN', line: n, break: result.break } };
  const endHead = end.head as ChainHead | null;
  if (end.count !== result.count || endHead?.seq !== result.head.seq || endHead?.hash !== result.head.hash) {
    return { ok: false, error: { code: 'EXPORT_END_MISMATCH' } };
  }
  return { ok: true, header, count: result.count, head: result.head, keyedFrom: result.keyedFrom, headKeyId: result.headKeyId, keySegments: result.keySegments, authenticated: result.authenticated };
}

function isHeader(r: Record<string, unknown>): r is ExportHeader & Record<string, unknown> {
  const start = r['start'] as Record<string, unknown> | undefined;
  return (
    r['kind'] === 'header' &&
    r['format'] === EXPORT_FORMAT &&
    READABLE_VERSIONS.includes(r['version'] as number) &&
    typeof r['chain'] === 'string' &&
    (r['practiceId'] === null || typeof r['practiceId'] === 'string') &&
    typeof start === 'object' &&
    start !== null &&
    Number.isSafeInteger(start['seq']) &&
    typeof start['hash'] === 'string' &&
    /^[0-9a-f]{64}$/.test(start['hash'])
  );
}
