/**
 * What `sotto audit verify` runs: every chain in the store, streamed in pages,
 * each checked against the store's recorded head and, given the audit keys,
 * their tags.
 */
import type { AuditKeyring } from './audit-key.ts';
import { INSTALLATION_CHAIN } from './event.ts';
import type { AuditStore } from './store.ts';
import { ChainVerifier, type ChainVerification } from './verify.ts';

export interface ChainReport {
  chain: string;
  result: ChainVerification;
}

/** The practice whose events a chain holds (event.ts chainKeyFor, inverted). */
export function practiceOfChain(chainKey: string): string | null {
  return chainKey === INSTALLATION_CHAIN ? null : chainKey;
}

export interface StoredChainOptions {
  /** Default true (verify.ts): the checkpoint that upgrades an unkeyed chain passes false. */
  requireAuthenticatedTail?: boolean;
  pageSize?: number;
}

export async function verifyStoredChain<Tx>(store: AuditStore<Tx>, chainKey: string, keys?: AuditKeyring | null, options: StoredChainOptions = {}): Promise<ChainVerification> {
  const pageSize = options.pageSize ?? 1000;
  // Every event must belong to the practice the chain is stored under: a chain copied under another practice's key is refused (wrong_chain).
  const verifier = new ChainVerifier({
    practiceId: practiceOfChain(chainKey),
    ...(keys ? { keys } : {}),
    ...(options.requireAuthenticatedTail !== undefined ? { requireAuthenticatedTail: options.requireAuthenticatedTail } : {}),
  });
  const expectedHead = await store.head(chainKey);
  let next = 1;
  for (;;) {
    const page = await store.readRange(chainKey, { fromSeq: next, limit: pageSize });
    for (const event of page) {
      if (verifier.push(event)) return verifier.finish();
    }
    if (page.length < pageSize) break;
    next = verifier.head.seq + 1;
  }
  return verifier.finish(expectedHead);
}

/** All chains; `ok` only when every one holds. */
export async function verifyStore<Tx>(store: AuditStore<Tx>, keys?: AuditKeyring | null): Promise<{ ok: boolean; chains: ChainReport[] }> {
  const chains: ChainReport[] = [];
  for (const chain of await store.chainKeys()) chains.push({ chain, result: await verifyStoredChain(store, chain, keys) });
  return { ok: chains.every((c) => c.result.ok), chains };
}
