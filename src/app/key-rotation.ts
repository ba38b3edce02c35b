// `sotto keys rotate`: a new master key for the file key provider, with its
// audit events part of the rotation. Composed here because it spans the
// vault (data keys, key files), the directory (two-factor secrets sealed
// under a key derived from the master key) and the audit log.
//
// Order, and what a crash at each point leaves (review finding: the events
// used to be written after the key file was renamed into place, so a
// failure between the two left a completed rotation unaudited):
//
//   1. `<key>.next` is created (0600, synced), or reused if an earlier run
//      left it. Crash here: nothing else changed; a rerun reuses it.
//   2. ONE database transaction: every data key re-wrapped old -> next
//      (compare-and-set per row), every TOTP secret re-sealed, and a
//      `key.rotate` event per practice. Crash or failure inside it: it
//      rolls back whole; the database still matches the old key file; a
//      rerun reuses `<key>.next`. Once it commits, the rotation is audited.
//   3. The old key is hard-linked to `<key>.retired-<id>`, `<key>.next`
//      renamed over `<key>` (atomic), the directory synced. A crash before
//      the rename lands (power lost before the directory sync too) leaves
//      the database under the `.next` key and the old key file in place:
//      `sotto start` refuses with MASTER_KEY_ROTATION_UNFINISHED and a rerun
//      of `sotto keys rotate` finds every key already re-wrapped, records
//      `key.rotate` again with `resumed: true` (the first event is already in
//      the log) and finishes the rename. A rename that fails with an error
//      (not a crash) is also recorded: `key.rotate` with outcome `failure`,
//      the step and the errno code, and the command fails with
//      KEY_ROTATION_UNFINISHED so the operator fixes the cause and reruns.
//   4. The WAL is checkpointed so the old wraps leave the database's files
//      (best effort: a reader in another process makes it wait for later).

import { promises as fsp, readFileSync } from 'node:fs';
import { dirname } from 'node:path';
import { AUDIT_ACTIONS, auditKeyring, markerPathFor } from '../audit/index.ts';
import { secureAuditLog } from '../db/index.ts';
import { createTotpSecretBox } from '../auth/totp-secret-box.ts';
import { recordAudit } from '../directory/audit.ts';
import { CLI_ACTOR, resealTotpSecrets } from '../directory/index.ts';
import { KyselyVaultRepositories } from '../vault/kysely-repositories.ts';
import { FileKeyProvider, rotateMasterKey } from '../vault/index.ts';
import type { Runtime } from './runtime.ts';
import { KeyRotationError } from './errors.ts';

export interface MasterKeyRotation {
  from: string;
  to: string;
  rewrapped: number;
  alreadyCurrent: number;
  totpSecretsResealed: number;
  retiredKeyPath: string;
  /** A rotation whose database work an earlier run committed was finished (step 3 above). */
  resumed: boolean;
  walScrubbed: boolean;
  /** Audit chains moved on to the new audit key (an `audit.key_checkpoint` each); -1: deferred to the next start (chains or the audit marker). */
  auditChainsCheckpointed: number;
  /**
   * Chains still ending under the retired audit key because they did not
   * verify (or moved meanwhile): only the retired key vouches for them, so it
   * must be kept. Empty when every chain moved.
   */
  auditChainsNotMoved: string[];
}

type KeyFileStep = 'link' | 'rename' | 'sync';

/** Run with the data dir's run lock held (no server may seal under the old key meanwhile). */
export async function rotateMasterKeyAudited(rt: Runtime): Promise<MasterKeyRotation> {
  const keyPath = rt.config.masterKeyFile;
  const nextPath = `${keyPath}.next`;
  const current = await FileKeyProvider.open({ path: keyPath, create: false });
  const next = await FileKeyProvider.open({ path: nextPath });
  const from = await current.masterKeyId();
  const to = await next.masterKeyId();
  const oldKey = readFileSync(keyPath);
  const newKey = readFileSync(nextPath);
  const oldBox = createTotpSecretBox(oldKey);
  const newBox = createTotpSecretBox(newKey);
  oldKey.fill(0);
  newKey.fill(0);

  const step2 = await rt.database.db.transaction().execute(async (trx) => {
    const dataKeys = new KyselyVaultRepositories(trx).dataKeys;
    const before = new Map((await dataKeys.listAll()).map((k) => [k.keyId, k.masterKeyId]));
    const report = await rotateMasterKey(dataKeys, current, next);
    const totpSecretsResealed = await resealTotpSecrets(trx, oldBox, newBox);
    const rotated = (await dataKeys.listAll()).filter((k) => k.masterKeyId === to);
    // Key management is on each practice's audit trail (45 CFR 164.312(a)(2)(iv)), committed with the re-wrap.
    for (const key of rotated) {
      const resumed = before.get(key.keyId) === to;
      await recordAudit(trx, key.practiceId, CLI_ACTOR, {
        action: AUDIT_ACTIONS.keyRotate,
        object: { type: 'key', id: key.keyId },
        details: { fromMasterKeyId: from, toMasterKeyId: to, wrappedBy: to, ...(resumed ? { resumed: true } : {}) },
      });
    }
    return { report, totpSecretsResealed, rotated, resumed: report.rewrapped === 0 && report.alreadyCurrent > 0 };
  });

  const retiredKeyPath = `${keyPath}.retired-${from}`;
  let step: KeyFileStep = 'link';
  try {
    await fsp.link(keyPath, retiredKeyPath).catch((e: NodeJS.ErrnoException) => {
      if (e.code !== 'EEXIST') throw e;
    });
    step = 'rename';
    await fsp.rename(nextPath, keyPath);
    step = 'sync';
    await syncDirectory(dirname(keyPath));
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code ?? 'ERROR';
    await recordKeyFileFailure(rt, step2.rotated, { from, to, step, code });
    throw new KeyRotationError(
      `the data keys are re-wrapped under master key ${to}, but its key file could not be put in place (${step}: ${code}); Sotto will not start until this is finished: fix the cause and run \`sotto keys rotate\` again`,
    );
  }

  // Every audit chain moves on to the new audit key now, while both keys are at hand: the operator may destroy
  // the retired key file next, after which a chain ending under the old audit key could not be vouched for.
  // If this fails, the next command's start does it (runtime.ts), as long as the retired key file is kept.
  const checkpoints = await checkpointOntoNewKey(rt, keyPath, retiredKeyPath);
  // The wraps under the old key leave the database's files (false: another process is reading; Sotto should be stopped).
  const walScrubbed = await new KyselyVaultRepositories(rt.database.db, rt.database.sqlite).scrub();
  return {
    from,
    to,
    rewrapped: step2.report.rewrapped,
    alreadyCurrent: step2.report.alreadyCurrent,
    totpSecretsResealed: step2.totpSecretsResealed,
    retiredKeyPath,
    resumed: step2.resumed,
    walScrubbed,
    auditChainsCheckpointed: checkpoints.moved,
    auditChainsNotMoved: checkpoints.notMoved,
  };
}

/**
 * The audit log's checkpoints onto the new master key's audit key
 * (audit/checkpoint.ts); moved -1 when it could not be done now. A chain
 * that did not verify is not moved (a checkpoint must not vouch for a forged
 * segment): it is named, and the command tells the operator to keep the
 * retired key (review finding: such chains used to be dropped silently).
 */
async function checkpointOntoNewKey(rt: Runtime, keyPath: string, retiredKeyPath: string): Promise<{ moved: number; notMoved: string[] }> {
  const newKey = readFileSync(keyPath);
  const oldKey = readFileSync(retiredKeyPath);
  try {
    // The keyed-install marker moves with the chains (audit/keyed-install.ts): after them, replaced atomically like the key file.
    const report = await secureAuditLog(rt.database.db, auditKeyring(newKey, [oldKey]), markerPathFor(keyPath));
    const outcomes = report.outcomes;
    const notMoved = outcomes.filter((o) => o.outcome === 'unverified').map((o) => o.chain);
    if (notMoved.length > 0) rt.logger.warn({ event: 'audit.chain_unverified', code: 'AUDIT_CHAIN_UNVERIFIED', chains: notMoved }, 'audit chains left under the retired audit key: keep the retired key');
    // The marker still under the retired audit key (or refused): only the retired key file vouches for it until a start sorts it out.
    if (report.problem !== null || report.writeFailed !== null) {
      rt.logger.warn({ event: 'audit.marker_unwritten', code: report.problem?.code ?? 'AUDIT_MARKER_UNWRITTEN', errno: report.writeFailed }, 'the audit marker moves on to the new key at the next start');
      return { moved: -1, notMoved };
    }
    return { moved: outcomes.filter((o) => o.outcome === 'checkpointed' || o.outcome === 'upgraded').length, notMoved };
  } catch (e) {
    rt.logger.warn({ event: 'audit.checkpoint_deferred', code: (e as { code?: string }).code ?? 'ERROR' }, 'audit chains move on to the new key at the next start');
    return { moved: -1, notMoved: [] };
  } finally {
    newKey.fill(0);
    oldKey.fill(0);
  }
}

/**
 * The failed key file step, on each practice's trail beside the rotation
 * event already committed. Best effort: if the database refuses this too,
 * the command still fails with KEY_ROTATION_UNFINISHED, and the rerun that
 * finishes the rotation records it (`resumed`).
 */
async function recordKeyFileFailure(
  rt: Runtime,
  keys: Array<{ keyId: string; practiceId: string }>,
  f: { from: string; to: string; step: KeyFileStep; code: string },
): Promise<void> {
  try {
    await rt.database.db.transaction().execute(async (trx) => {
      for (const key of keys) {
        await recordAudit(trx, key.practiceId, CLI_ACTOR, {
          action: AUDIT_ACTIONS.keyRotate,
          object: { type: 'key', id: key.keyId },
          outcome: 'failure',
          details: { fromMasterKeyId: f.from, toMasterKeyId: f.to, step: f.step, code: f.code },
        });
      }
    });
  } catch (e) {
    rt.logger.error({ event: 'key.rotate_unrecorded', code: (e as { code?: string }).code ?? 'ERROR' }, 'the failed key file step could not be recorded in the audit log');
  }
}

async function syncDirectory(dir: string): Promise<void> {
  const handle = await fsp.open(dir, 'r');
  try {
    await handle.sync();
  } finally {
    await handle.close();
  }
}
