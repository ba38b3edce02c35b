// A master key rotation is audited once it is complete, whatever stops it
// (review finding: the `key.rotate` events were written after the key file
// was renamed into place, so a failure between the two left a finished
// rotation unaudited). The failure is injected at the rename of
// `master.key.next` over `master.key`, in process, then the operator's rerun
// finishes the rotation.
import { promises as fsp, existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { createTotpSecretBox, totpSecretFromBase32 } from '../../src/auth/index.ts';
import { main } from '../../src/cli/main.ts';
import { masterKeyIdOf } from '../../src/vault/index.ts';
import { sotto } from '../support/cli.ts';

/** `sotto …` in this process (so a file system call can be made to fail), its stdout captured. */
async function sottoHere(args: string[], dataDir: string): Promise<{ status: number; stdout: string }> {
  const previous = process.env.SOTTO_DATA_DIR;
  process.env.SOTTO_DATA_DIR = dataDir;
  let stdout = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout += String(chunk);
    return true;
  });
  try {
    return { status: await main(args), stdout };
  } finally {
    write.mockRestore();
    if (previous === undefined) delete process.env.SOTTO_DATA_DIR;
    else process.env.SOTTO_DATA_DIR = previous;
  }
}

function keyRotateEvents(dataDir: string): Array<{ practice_id: string; object_id: string; outcome: string; details: Record<string, unknown> }> {
  const db = new Database(join(dataDir, 'sotto.db'), { readonly: true });
  try {
    const rows = db.prepare("select practice_id, object_id, outcome, details from audit_events where action = 'key.rotate' order by seq").all() as Array<{ practice_id: string; object_id: string; outcome: string; details: string }>;
    return rows.map((r) => ({ ...r, details: JSON.parse(r.details) as Record<string, unknown> }));
  } finally {
    db.close();
  }
}

afterEach(() => {
  vi.restoreAllMocks();
});

describe('sotto keys rotate, failing at the key file rename', { timeout: 180_000 }, () => {
  it('has the rotation on the audit trail, refuses to start half-rotated, and finishes on a rerun', async () => {
    const dataDir = mkdtempSync(join(tmpdir(), 'sotto-keys-fail-'));
    const demo = sotto(['demo', '--json'], { SOTTO_DATA_DIR: dataDir });
    expect(demo.status, demo.stderr).toBe(0);
    const printed = JSON.parse(demo.stdout);
    const keyPath = join(dataDir, 'master.key');
    const oldKey = readFileSync(keyPath);
    const from = masterKeyIdOf(oldKey);

    const rename = fsp.rename.bind(fsp);
    vi.spyOn(fsp, 'rename').mockImplementation(async (src, dest) => {
      if (String(dest) === keyPath) throw Object.assign(new Error('injected: read-only file system'), { code: 'EROFS' });
      return rename(src, dest);
    });
    const failed = await sottoHere(['keys', 'rotate', '--json'], dataDir);
    vi.restoreAllMocks();
    expect(failed.status).toBe(1);
    expect(JSON.parse(failed.stdout).error.code).toBe('KEY_ROTATION_UNFINISHED');
    // The key file is untouched; the new key waits beside it.
    expect(readFileSync(keyPath).equals(oldKey)).toBe(true);
    const to = masterKeyIdOf(readFileSync(`${keyPath}.next`));
    const keyId = JSON.parse(sotto(['keys', 'status', '--json'], { SOTTO_DATA_DIR: dataDir }).stdout).dataKeys[0].keyId;
    expect(keyRotateEvents(dataDir)).toEqual([
      { practice_id: printed.practice.id, object_id: keyId, outcome: 'success', details: { fromMasterKeyId: from, toMasterKeyId: to, wrappedBy: to } },
      { practice_id: printed.practice.id, object_id: keyId, outcome: 'failure', details: { fromMasterKeyId: from, toMasterKeyId: to, step: 'rename', code: 'EROFS' } },
    ]);

    // The server does not start on the old key file with the data keys under the new one.
    const config = loadConfig({ SOTTO_DATA_DIR: dataDir });
    await expect(openRuntime(config, createLogger('silent', pino.destination(2)))).rejects.toMatchObject({ code: 'MASTER_KEY_ROTATION_UNFINISHED' });

    const finished = await sottoHere(['keys', 'rotate', '--json'], dataDir);
    expect(finished.status).toBe(0);
    expect(JSON.parse(finished.stdout)).toMatchObject({ from, to, rewrapped: 0, resumed: true, retiredKeyPath: `${keyPath}.retired-${from}` });
    expect(masterKeyIdOf(readFileSync(keyPath))).toBe(to);
    expect(existsSync(`${keyPath}.next`)).toBe(false);
    expect(readFileSync(`${keyPath}.retired-${from}`).equals(oldKey)).toBe(true);
    expect(keyRotateEvents(dataDir).at(-1)).toEqual({
      practice_id: printed.practice.id,
      object_id: keyId,
      outcome: 'success',
      details: { fromMasterKeyId: from, toMasterKeyId: to, wrappedBy: to, resumed: true },
    });
    expect(sotto(['audit', 'verify'], { SOTTO_DATA_DIR: dataDir }).status).toBe(0);

    // The admin's two-factor secret moved with the key, and the demo still prints working credentials.
    const db = new Database(join(dataDir, 'sotto.db'), { readonly: true });
    const row = db.prepare('select id, totp_secret_sealed from users where email = ?').get(printed.admin.email) as { id: string; totp_secret_sealed: string };
    db.close();
    const secret = totpSecretFromBase32(printed.admin.totpSecret);
    expect(secret.ok && createTotpSecretBox(readFileSync(keyPath)).open(row.id, row.totp_secret_sealed)).toEqual(secret.ok ? secret.value : null);
    const again = sotto(['demo', '--json'], { SOTTO_DATA_DIR: dataDir });
    expect(again.status, again.stderr).toBe(0);
    expect(JSON.parse(again.stdout)).toEqual(printed);
  });
});
