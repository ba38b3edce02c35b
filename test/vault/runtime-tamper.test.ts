// Tampering found by the vault inside a running Sotto lands in the audit
// log: a flipped byte in a sealed blob on disk makes the read fail with
// VAULT_TAMPERED and leaves a hash-chained `vault.tamper_detected` event
// naming the object, with codes only and nothing of what was sealed. Crash
// recovery at startup reports through the same path.
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, verifyStore } from '../../src/audit/index.ts';
import { KyselyAuditStore, openDatabase } from '../../src/db/index.ts';
import pino from 'pino';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { isVaultError, VaultErrorCode } from '../../src/vault/index.ts';
import { bootRuntime, runtimeBlobPath, type RuntimeHarness } from './runtime-harness.ts';

let h: RuntimeHarness;
beforeEach(async () => {
  h = await bootRuntime();
});
afterEach(async () => {
  await h.cleanup();
});

describe('tamper detection in a running Sotto', () => {
  it('refuses a flipped byte with VAULT_TAMPERED and records vault.tamper_detected for the object, without PHI', async () => {
    const secret = 'Caller Jane Q Patient +15551234567 DOB 1961-04-12';
    const P = h.practiceId;
    const rec = await h.rt.vault.sealBytes({ practiceId: P, kind: 'transcript' }, Buffer.from(secret));
    expect((await h.rt.vault.openBytes({ practiceId: P, objectId: rec.id })).toString()).toBe(secret);

    const path = runtimeBlobPath(h.dataDir, rec.blobRef);
    const blob = await readFile(path);
    blob[blob.length - 20]! ^= 0x40; // inside the last chunk's ciphertext or tag
    await writeFile(path, blob);

    const err = await h.rt.vault.openBytes({ practiceId: P, objectId: rec.id }).then(
      () => undefined,
      (e: unknown) => e,
    );
    expect(isVaultError(err, VaultErrorCode.Tampered), `got ${String(err)}`).toBe(true);

    const rows = await h.rt.database.db.selectFrom('audit_events').selectAll().where('action', '=', AUDIT_ACTIONS.vaultTamperDetected).execute();
    expect(rows).toHaveLength(1);
    const row = rows[0]!;
    expect(row).toMatchObject({
      chain_key: P,
      practice_id: P,
      actor_type: 'system',
      actor_id: 'vault',
      object_type: 'transcript',
      object_id: rec.id,
      outcome: 'failure',
    });
    expect(JSON.parse(row.details)).toEqual({ reason: expect.stringMatching(/^[a-z_]+$/) });
    // Nothing of the sealed text, in any column.
    const text = JSON.stringify(row);
    for (const piece of ['Jane', 'Patient', '5551234567', '1961-04-12', 'Caller']) expect(text).not.toContain(piece);
    // The event extends the practice's chain: `sotto audit verify` still passes.
    expect((await verifyStore(new KyselyAuditStore(h.rt.database.db))).ok).toBe(true);
  }, 60_000);

  it('records vault.tamper_detected when startup recovery finds a recording whose wrapped key was altered', async () => {
    const P = h.practiceId;
    const w = await h.rt.vault.createWriter({ practiceId: P, kind: 'voicemail', chunkSize: 1000 }, { maxUnsyncedBytes: 1000 });
    await w.write(Buffer.alloc(2500, 0x7f));
    await w.flush();
    // The process dies mid-recording; meanwhile someone alters the row's wrapped content key.
    await h.close();
    const config = loadConfig({ SOTTO_DATA_DIR: h.dataDir, SOTTO_BIND: '127.0.0.1', SOTTO_LOG_LEVEL: 'debug' });
    const db = openDatabase(config.database);
    const row = await db.db.selectFrom('vault_objects').select('wrapped_content_key').where('id', '=', w.objectId).executeTakeFirstOrThrow();
    const altered = Buffer.from(row.wrapped_content_key as Uint8Array);
    altered[5]! ^= 0x01;
    await db.db.updateTable('vault_objects').set({ wrapped_content_key: altered }).where('id', '=', w.objectId).execute();
    await db.close();

    const rt = await openRuntime(config, createLogger('silent', pino.destination({ dest: '/dev/null', sync: true })));
    try {
      expect(rt.vaultRecovery).toMatchObject({ tampered: [w.objectId], partial: [] });
      const events = await rt.database.db.selectFrom('audit_events').selectAll().where('action', '=', AUDIT_ACTIONS.vaultTamperDetected).execute();
      expect(events).toEqual([expect.objectContaining({ object_type: 'voicemail', object_id: w.objectId, outcome: 'failure' })]);
      expect(JSON.parse(events[0]!.details)).toEqual({ reason: 'chunk_auth' });
      expect(await rt.vault.stat({ practiceId: P, objectId: w.objectId })).toMatchObject({ state: 'writing' });
      expect((await verifyStore(new KyselyAuditStore(rt.database.db))).ok).toBe(true);
    } finally {
      await rt.close();
    }
  }, 60_000);
});
