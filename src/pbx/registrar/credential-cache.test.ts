import { describe, expect, it } from 'vitest';
import { CredentialCache, MAX_CREDENTIAL_TTL_MS } from './credential-cache.ts';

function setup(ttlMs?: number, maxEntries?: number) {
  let t = 1_000_000;
  const db = new Map<string, string>([['r\u0000alice', 'ha1-a']]);
  const loads: string[] = [];
  const cache = new CredentialCache<string>({
    now: () => t,
    load: async (realm, user) => {
      loads.push(user);
      return db.get(`${realm}\u0000${user}`);
    },
    ...(ttlMs !== undefined ? { ttlMs } : {}),
    ...(maxEntries !== undefined ? { maxEntries } : {}),
  });
  return { cache, db, loads, advance: (ms: number) => (t += ms) };
}

describe('credential cache', () => {
  it('serves repeats within the TTL from memory, misses included, and reloads after it', async () => {
    const { cache, loads, advance } = setup();
    expect(await cache.get('r', 'alice')).toBe('ha1-a');
    expect(await cache.get('r', 'alice')).toBe('ha1-a');
    expect(await cache.get('r', 'nobody')).toBeUndefined();
    expect(await cache.get('r', 'nobody')).toBeUndefined();
    expect(loads).toEqual(['alice', 'nobody']);
    advance(MAX_CREDENTIAL_TTL_MS);
    await cache.get('r', 'alice');
    expect(loads).toEqual(['alice', 'nobody', 'alice']);
  });

  it('never keeps an answer longer than 2 s, whatever it is configured with', async () => {
    const { cache, db, advance } = setup(60_000);
    await cache.get('r', 'alice');
    db.delete('r\u0000alice');
    advance(2_000);
    expect(await cache.get('r', 'alice')).toBeUndefined();
  });

  it('a disabled device is refused on its next lookup once invalidated', async () => {
    const { cache, db } = setup();
    await cache.get('r', 'alice');
    db.delete('r\u0000alice');
    cache.invalidateAll();
    expect(await cache.get('r', 'alice')).toBeUndefined();
  });

  it('a load that began before an invalidation does not repopulate the cache', async () => {
    let release!: (v: string) => void;
    let calls = 0;
    const cache = new CredentialCache<string>({
      now: () => 0,
      load: () => {
        calls++;
        return calls === 1 ? new Promise<string>((r) => (release = r)) : Promise.resolve('fresh');
      },
    });
    const first = cache.get('r', 'alice');
    cache.invalidateAll();
    release('stale');
    expect(await first).toBe('stale');
    expect(await cache.get('r', 'alice')).toBe('fresh');
  });

  it('stays bounded under a flood of distinct names', async () => {
    const { cache } = setup(undefined, 100);
    for (let i = 0; i < 1000; i++) await cache.get('r', `u${i}`);
    expect(cache.size).toBeLessThanOrEqual(100);
  });
});
