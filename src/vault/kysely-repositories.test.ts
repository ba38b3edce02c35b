// The vault over its real repositories: the same behaviour on SQLite and
// PostgreSQL as over the in-memory ones its unit tests use.
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import SQLite from 'better-sqlite3';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../test/support/db.ts';
import type { DatabaseHandle } from '../db/index.ts';
import { createPractice } from '../directory/index.ts';
import { openLocalVault, rotateMasterKeyFile, VaultErrorCode, type Vault } from './index.ts';
import { KyselyVaultRepositories } from './kysely-repositories.ts';
import { LOOKUP_LATER } from './repositories.ts';

describe.each(DIALECTS)('vault on %s', (dialect) => {
  let h: DatabaseHandle;
  let vault: Vault;
  let practiceId: string;
  const dataDir = mkdtempSync(join(tmpdir(), 'sotto-vault-db-'));
  // With the raw SQLite connection, as the runtime builds them (its prepared lookup); PostgreSQL has none.
  const repos = () => new KyselyVaultRepositories(h.db, h.sqlite);

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    practiceId = (await createPractice(h.db, { name: 'V', tier: 'pro', sipDomain: `vault-${dialect}.example` })).id;
    vault = (await openLocalVault({ dataDir, repos: repos() })).vault;
  });
  afterAll(async () => {
    await vault.close();
    await h.close();
  });

  it('seals and opens an object, bound to its record', async () => {
    const rec = await vault.sealBytes({ practiceId, kind: 'voicemail', ownerUserId: null }, Buffer.from('message audio'));
    expect(rec.state).toBe('committed');
    expect((await vault.openBytes({ practiceId, objectId: rec.id })).toString()).toBe('message audio');
    const other = (await createPractice(h.db, { name: 'W', tier: 'pro', sipDomain: `vault2-${dialect}.example` })).id;
    await expect(vault.openBytes({ practiceId: other, objectId: rec.id })).rejects.toMatchObject({ code: VaultErrorCode.NotFound });
  });

  it('streams a recording and commits it', async () => {
    const w = await vault.createWriter({ practiceId, kind: 'voicemail' });
    await w.write(Buffer.alloc(20_000, 7));
    await w.write(Buffer.alloc(5_000, 9));
    const rec = await w.commit();
    expect(rec.size).toBe(25_000);
    expect((await vault.openBytes({ practiceId, objectId: rec.id })).equals(Buffer.concat([Buffer.alloc(20_000, 7), Buffer.alloc(5_000, 9)]))).toBe(true);
  });

  it('a second opener that does not own the data dir leaves a recording in progress alone (recover: false)', async () => {
    const w = await vault.createWriter({ practiceId, kind: 'voicemail' });
    await w.write(Buffer.alloc(3000, 5));
    await w.flush();
    // A CLI command beside the running server: to a recovery, this object looks like a crash's leftover.
    const beside = await openLocalVault({ dataDir, repos: repos(), recover: false });
    expect(beside.recovery.partial).toEqual([]);
    await beside.vault.close();
    await w.write(Buffer.alloc(1000, 6));
    const rec = await w.commit();
    expect(rec.state).toBe('committed');
    expect((await vault.openBytes({ practiceId, objectId: rec.id })).length).toBe(4000);
  });

  it('answers a lookup at once, and defers while a transaction holds the connection', async () => {
    const rec = await vault.sealBytes({ practiceId, kind: 'text' }, Buffer.from('lookup'));
    const objects = repos().objects;
    if (dialect === 'postgres') {
      expect(objects.getNow(rec.id)).toBe(LOOKUP_LATER);
      return;
    }
    expect(objects.getNow(rec.id)).toEqual(await objects.get(rec.id));
    expect(objects.getNow('obj_missing')).toBeUndefined();
    // Inside a Kysely transaction a statement on the shared connection would see its uncommitted writes.
    await h.db.transaction().execute(async (trx) => {
      await trx.updateTable('vault_objects').set({ legal_hold: 1 }).where('id', '=', rec.id).execute();
      expect(objects.getNow(rec.id)).toBe(LOOKUP_LATER);
      throw new Error('roll back');
    }).catch(() => undefined);
    expect((objects.getNow(rec.id) as { legalHold: boolean }).legalHold).toBe(false);
    // The prepared commit transition is compare-and-set like Kysely's: a committed object does not commit again.
    expect(await objects.transition(rec.id, ['writing'], { state: 'committed', size: 1 })).toBeUndefined();
    expect((await objects.get(rec.id))?.size).toBe(6);
  });

  it('purges expired objects by destroying their keys, leaving receipts', async () => {
    const rec = await vault.sealBytes({ practiceId, kind: 'fax' }, Buffer.from('fax page'));
    // An admin shortened faxes to one day: the stored fax's deadline comes in (shortening is that kind's, asked for).
    await vault.syncRetention(practiceId, { fax: 1 }, new Set(), new Set(['fax']));
    const report = await vault.purgeExpired({ now: new Date(Date.now() + 3 * 86_400_000) });
    expect(report.receipts.map((r) => r.objectId)).toContain(rec.id);
    await expect(vault.openBytes({ practiceId, objectId: rec.id })).rejects.toBeDefined();
    expect((await repos().receipts.list({ practiceId })).some((r) => r.objectId === rec.id && r.method === 'crypto_shred')).toBe(true);
  });

  // Crypto-shredding only holds if the destroyed key is gone from the files a
  // copy of the database would carry: the row's old bytes in the page's free
  // space (secure_delete) and the WAL's page images (scrub after a shred).
  if (dialect === 'sqlite') {
    it('leaves no copy of a destroyed object key in the database file or its WAL', async () => {
      // Neighbours filling its page: the page survives the delete, with whatever its free space holds
      // (on a page of a few rows SQLite happens to rewrite the page whole, and the test could not fail).
      const before = await vault.sealBytes({ practiceId, kind: 'voicemail' }, Buffer.from('kept'));
      const rec = await vault.sealBytes({ practiceId, kind: 'voicemail' }, Buffer.from('to be erased'));
      for (let i = 0; i < 40; i += 1) await vault.sealBytes({ practiceId, kind: 'voicemail' }, Buffer.from(`neighbour ${i}`));
      const after = await vault.sealBytes({ practiceId, kind: 'voicemail' }, Buffer.from('kept too'));
      const row = await h.db.selectFrom('vault_objects').select('wrapped_content_key').where('id', '=', rec.id).executeTakeFirstOrThrow();
      const wrapped = Buffer.from(row.wrapped_content_key as Uint8Array);
      expect(wrapped.length).toBeGreaterThanOrEqual(16);
      // Moved into the database file and still present there before the shred: the search below can find it.
      h.sqlite?.pragma('wal_checkpoint(TRUNCATE)');
      const file = h.sqlite?.name ?? '';
      expect(readFileSync(file).includes(wrapped)).toBe(true);

      await vault.destroy({ practiceId, objectId: rec.id });
      await vault.settle();

      const wal = existsSync(`${file}-wal`) ? readFileSync(`${file}-wal`) : Buffer.alloc(0);
      expect(readFileSync(file).includes(wrapped)).toBe(false);
      expect(wal.includes(wrapped)).toBe(false);
      await expect(vault.openBytes({ practiceId, objectId: rec.id })).rejects.toMatchObject({ code: VaultErrorCode.NotFound });
      expect((await vault.openBytes({ practiceId, objectId: before.id })).toString()).toBe('kept');
      expect((await vault.openBytes({ practiceId, objectId: after.id })).toString()).toBe('kept too');
    });
  }

  if (dialect === 'sqlite') {
    it('scrubs without waiting on a reader in another connection, and finishes once it is gone', async () => {
      await vault.sealBytes({ practiceId, kind: 'text' }, Buffer.from('reader test'));
      const reader = new SQLite(h.sqlite?.name ?? '');
      try {
        reader.prepare('BEGIN').run();
        reader.prepare('SELECT count(*) FROM vault_objects').get();
        expect(await repos().scrub()).toBe(false);
        reader.prepare('COMMIT').run();
        expect(await repos().scrub()).toBe(true);
        // The connection's own busy timeout is back for everything else.
        expect(h.sqlite?.pragma('busy_timeout', { simple: true })).toBe(5000);
      } finally {
        reader.close();
      }
    });
  }

  it('re-wraps data keys under a new master key without touching blobs', async () => {
    const rec = await vault.sealBytes({ practiceId, kind: 'text' }, Buffer.from('text body'));
    await vault.close();
    const report = await rotateMasterKeyFile(repos().dataKeys, join(dataDir, 'master.key'));
    expect(report.report.rewrapped).toBeGreaterThan(0);
    vault = (await openLocalVault({ dataDir, repos: repos() })).vault;
    expect((await vault.openBytes({ practiceId, objectId: rec.id })).toString()).toBe('text body');
  });
});
