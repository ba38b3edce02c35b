import { rotateMasterKeyAudited } from '../../app/key-rotation.ts';
import { withRuntime } from '../context.ts';
import { CliError, printJson, printLines, table } from '../output.ts';
import { loadConfig } from '../../app/config.ts';
import { acquireRunLock, AlreadyRunningError, type RunLock } from '../../app/run-lock.ts';

/** `sotto keys status`: master key id and age, each practice's data key and whether it is wrapped by the current master key. */
export async function keysStatusCommand(o: { json?: boolean }): Promise<number> {
  const status = await withRuntime((rt) => rt.vault.keyStatus(), { finishingRotation: true });
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
  // The audit events are part of the rotation's database transaction (src/app/key-rotation.ts says why and where it can stop).
  const out = await withRuntime((rt) => rotateMasterKeyAudited(rt), { finishingRotation: true });
  const notMoved = out.auditChainsNotMoved;
  if (o.json) printJson(out);
  else {
    printLines([
      out.resumed
        ? `Finished an interrupted rotation ${out.from} -> ${out.to}: the key file is in place.`
        : `Master key rotated ${out.from} -> ${out.to}: ${out.rewrapped} data key(s) re-wrapped, ${out.totpSecretsResealed} MFA secret(s) re-sealed.`,
      notMoved.length > 0
        ? `The old key is kept at ${out.retiredKeyPath}: KEEP it (see below).`
        : `The old key is kept at ${out.retiredKeyPath}: destroy it once backups made with it have expired.`,
      out.auditChainsCheckpointed >= 0
        ? `Audit log: ${out.auditChainsCheckpointed} chain(s) moved on to the new audit key.`
        : 'Audit log: the chains move on to the new audit key at the next start; keep the old key until then.',
    ]);
    if (notMoved.length > 0) {
      process.stderr.write(
        `sotto: audit chain(s) NOT moved on to the new audit key because they do not verify: ${notMoved.join(', ')}. Only the retired key vouches for them: do not destroy ${out.retiredKeyPath}; run \`sotto audit verify\` to see where they break (AUDIT_CHAINS_NOT_MOVED)\n`,
      );
    }
  }
  // The rotation itself is complete (a rerun would rotate again): a distinct exit code says "done, but keep the retired key".
  return notMoved.length > 0 ? EXIT_KEEP_RETIRED_KEY : 0;
}

/** `sotto keys rotate`: rotated, but some audit chains still need the retired key (README). */
export const EXIT_KEEP_RETIRED_KEY = 3;
