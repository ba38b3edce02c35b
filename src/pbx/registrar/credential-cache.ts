// A short-lived cache of digest credentials in front of the directory. A
// phone's REGISTER costs two lookups of the same user (the challenged
// request and the answered one) and re-registers every few minutes; the
// database query was the registrar's largest single cost.
//
// Security: what it holds is exactly what the directory returns (HA1s, never
// a password), for at most `ttlMs` (capped at 2 s), and `invalidateAll()`
// empties it, so a device or user disabled through the API is refused on its
// very next REGISTER. A change made by another process (the CLI) is seen
// within the TTL. Misses are cached too, so a flood of unknown names is cheap,
// and the size is bounded, so that flood cannot grow memory.

/** Longest time a cached answer may be served: a disabled device must not keep registering. */
export const MAX_CREDENTIAL_TTL_MS = 2_000;

export interface CredentialCacheOptions<T> {
  load(realm: string, username: string): Promise<T | undefined>;
  now: () => number;
  /** Default and maximum MAX_CREDENTIAL_TTL_MS. */
  ttlMs?: number;
  /** Entries kept before the cache starts over; default 10,000. */
  maxEntries?: number;
}

interface Entry<T> {
  at: number;
  value: T | undefined;
}

export class CredentialCache<T> {
  private readonly entries = new Map<string, Entry<T>>();
  private readonly ttlMs: number;
  private readonly maxEntries: number;
  /** Bumped by invalidateAll: a load begun before it must not repopulate the cache. */
  private generation = 0;

  constructor(private readonly o: CredentialCacheOptions<T>) {
    this.ttlMs = Math.min(Math.max(0, o.ttlMs ?? MAX_CREDENTIAL_TTL_MS), MAX_CREDENTIAL_TTL_MS);
    this.maxEntries = Math.max(1, o.maxEntries ?? 10_000);
  }

  /** The credential (or its absence): at once when cached, else once loaded. */
  get(realm: string, username: string): T | undefined | Promise<T | undefined> {
    const key = `${realm}\u0000${username}`;
    const now = this.o.now();
    const hit = this.entries.get(key);
    if (hit && now - hit.at < this.ttlMs && now >= hit.at) return hit.value;
    return this.load(key, realm, username, now);
  }

  private async load(key: string, realm: string, username: string, now: number): Promise<T | undefined> {
    const generation = this.generation;
    const value = await this.o.load(realm, username);
    if (generation === this.generation && this.ttlMs > 0) {
      // Starting over is simpler than LRU and enough: the bound is against floods, not for hit rates.
      if (this.entries.size >= this.maxEntries) this.entries.clear();
      this.entries.set(key, { at: now, value });
    }
    return value;
  }

  /** Forgets everything; call when any device or user is disabled or its credential changes. */
  invalidateAll(): void {
    this.generation++;
    this.entries.clear();
  }

  get size(): number {
    return this.entries.size;
  }
}
