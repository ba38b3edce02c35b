import { readFileSync } from 'node:fs';
import { createTotpSecretBox } from '../../auth/totp-secret-box.ts';
import { AUDIT_ACTIONS } from '../../audit/index.ts';
import { recordAudit } from '../../directory/audit.ts';
import { CLI_ACTOR, resealTotpSecrets } from '../../directory/index.ts';
import { KyselyVaultRepositories } from '../../vault/kysely-repositories.ts';
import { rotateMasterKeyFile } from '../../vault/index.ts';
import { withRuntime } from '../context.ts';
import { CliError, printJson, printLines, table } from '../output.ts';
import { loadConfig } from '../../app/config.ts';
import { acquireRunLock, AlreadyRunningError, type RunLock } from '../../app/run-lock.ts';

/** `sotto keys status`: master key id and age, each practice's data key and whether it is wrapped by the current master key. */
export async function keysStatusCommand(o: { json?: boolean }): Promise<number> {
  const status = await withRuntime((rt) => rt.vault.keyStatus());
  const out = {
    provider: status.provider,
    masterKeyId: status.masterKeyId,
    masterKeyAgeDays: status.masterKeyAgeDays,
    staleDataKeys: status.staleDataKeys,
    dataKeys: status.dataKeys.map((k) => ({
      practiceId: k.practiceId,
      keyId: k.keyId,
      masterKeyId: k.masterKeyId,
      current: k.current,
      ageDays: k.ageDays,
      createdAt: k.createdAt.toISOString(),
      rotatedAt: k.rotatedAt?.toISOString() ?? null,
    })),
  };
  if (o.json) printJson(out);
  else {
    printLines([
      `Master key ${out.masterKeyId} (${out.provider}), ${out.masterKeyAgeDays ?? '?'} days old; ${out.staleDataKeys} data key(s) under an older master key.`,
      ...table([['PRACTICE', 'DATA KEY', 'WRAPPED BY', 'CURRENT', 'AGE (DAYS)'], ...out.dataKeys.map((k) => [k.practiceId, k.keyId, k.masterKeyId, String(k.current), String(k.ageDays)])]),
    ]);
  }
  return 0;
}

/**
 * `sotto keys rotate`: a new master key file; every practice data key is
 * re-wrapped under it (blobs are not re-encrypted). Run it with Sotto stopped.
 */
export async function keysRotateCommand(o: { json?: boolean }): Promise<number> {
  // The data dir is held for the rotation: a running server keeps the old
  // master key in memory and would go on sealing under it, and a server
  // starting mid-rotation would read a key file being replaced.
  let lock: RunLock;
  try {
    lock = acquireRunLock(loadConfig().dataDir);
  } catch (e) {
    if (!(e instanceof AlreadyRunningError)) throw e;
    throw new CliError('SERVER_RUNNING', `Sotto is running on this data dir${e.pid > 0 ? ` (pid ${e.pid})` : ''}: stop it, rotate, then start it again`);
  }
  try {
    return await rotate(o);
  } finally {
    lock.release();
  }
}

async function rotate(o: { json?: boolean }): Promise<number> {
  const out = await withRuntime(async (rt) => {
    const oldKey = readFileSync(rt.config.masterKeyFile);
    const repos = new KyselyVaultRepositories(rt.database.db, rt.database.sqlite);
    const r = await rotateMasterKeyFile(repos.dataKeys, rt.config.masterKeyFile);
    // Secrets sealed under keys derived from the master key follow it.
    const totp = await resealTotpSecrets(rt.database.db, createTotpSecretBox(oldKey), createTotpSecretBox(readFileSync(rt.config.masterKeyFile)));
    oldKey.fill(0);
    // Key management is on each practice's audit trail (45 CFR 164.312(a)(2)(iv)). After the
    // rotation, not in its transactions (those are the vault's, per data key): a rerun after a
    // failure here finds the keys current and records the rotation then.
    for (const key of (await rt.vault.keyStatus()).dataKeys) {
      await rt.database.db.transaction().execute((trx) =>
        recordAudit(trx, key.practiceId, CLI_ACTOR, {
          action: AUDIT_ACTIONS.keyRotate,
          object: { type: 'key', id: key.keyId },
          details: { fromMasterKeyId: r.report.fromMasterKeyId, toMasterKeyId: r.report.toMasterKeyId, wrappedBy: key.masterKeyId },
        }),
      );
    }
    // The wraps under the old key leave the database's files (false: another process is reading; Sotto should be stopped).
    const walScrubbed = await repos.scrub();
    return {
      from: r.report.fromMasterKeyId,
      to: r.report.toMasterKeyId,
      rewrapped: r.report.rewrapped,
      alreadyCurrent: r.report.alreadyCurrent,
      totpSecretsResealed: totp,
      retiredKeyPath: r.retiredKeyPath,
      walScrubbed,
    };
  });
  if (o.json) printJson(out);
  else printLines([`Master key rotated ${out.from} -> ${out.to}: ${out.rewrapped} data key(s) re-wrapped, ${out.totpSecretsResealed} MFA secret(s) re-sealed.`, `The old key is kept at ${out.retiredKeyPath}: destroy it once backups made with it have expired.`]);
  return 0;
}
