// Tampering found by the vault inside a running Sotto lands in the audit
// log: a flipped byte in a sealed blob on disk makes the read fail with
// VAULT_TAMPERED and leaves a hash-chained `vault.tamper_detected` event
// naming the object, with codes only and nothing of what was sealed.
import { readFile, writeFile } from 'node:fs/promises';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { AUDIT_ACTIONS, verifyStore } from '../../src/audit/index.ts';
import { KyselyAuditStore } from '../../src/db/index.ts';
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
});
