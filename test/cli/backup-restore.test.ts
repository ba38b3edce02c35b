// README "Backup and restore", done exactly as written: while Sotto runs,
// SQLite's online backup of sotto.db, then a copy of the sealed blobs, and
// the key files kept apart; restored into a new data dir, `sotto audit
// verify` exits 0, Sotto starts on it, and the sealed greeting opens to the
// same bytes as on the original install.
import { spawn, spawnSync } from 'node:child_process';
import { chmodSync, copyFileSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { SOTTO_BIN, sotto } from '../support/cli.ts';
import { pcm16ToBytes, writeWav } from '../../src/media/wav.ts';

const ports = { SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0' };

/** Starts `sotto start`; resolves with its HTTP address and a stop function once the banner is out. */
async function start(env: Record<string, string>): Promise<{ url: string; stop: () => Promise<unknown> }> {
  const child = spawn(process.execPath, [SOTTO_BIN, 'start'], { env: { ...process.env, ...env } });
  let out = '';
  const url = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      const m = /Portal and API\s+(http:\/\/\S+?)\/ [\s\S]*Master key/.exec(out);
      if (m) resolve(m[1]!);
    });
    child.on('exit', (code) => reject(new Error(`sotto start exited ${code}: ${out}`)));
  });
  const closed = new Promise((r) => child.on('exit', r));
  return { url, stop: () => (child.kill('SIGTERM'), closed) };
}

/** An 8 kHz mono PCM16 WAV of a deterministic tone. */
function wav(ms: number): Buffer {
  const tone = Int16Array.from({ length: (ms * 8) | 0 }, (_, i) => Math.round(8000 * Math.sin((2 * Math.PI * 440 * i) / 8000)));
  return writeWav({ encoding: 'pcm16' }, pcm16ToBytes(tone));
}

/** The sealed greeting's plaintext as the vault opens it on this data dir. */
async function greetingBytes(dataDir: string): Promise<Buffer> {
  const rt = await openRuntime(loadConfig({ SOTTO_DATA_DIR: dataDir, ...ports }), createLogger('silent', pino.destination(2)));
  try {
    const row = await rt.database.db.selectFrom('voicemail_greetings').select(['practice_id', 'object_id']).executeTakeFirstOrThrow();
    return Buffer.from(await rt.vault.openBytes({ practiceId: row.practice_id, objectId: row.object_id }));
  } finally {
    await rt.close();
  }
}

function sh(cmd: string, args: string[]): void {
  const r = spawnSync(cmd, args, { encoding: 'utf8' });
  expect(r.status, `${cmd} ${args.join(' ')}: ${r.stderr}`).toBe(0);
}

describe('backup and restore as the README says', { timeout: 300_000 }, () => {
  it('an online backup restores into a new data dir that verifies, starts and opens the sealed data', async () => {
    const root = mkdtempSync(join(tmpdir(), 'sotto-backup-'));
    const data = join(root, 'data');
    const env = { SOTTO_DATA_DIR: data, ...ports };
    const demo = sotto(['demo', '--json'], env);
    expect(demo.status, demo.stderr).toBe(0);
    const { apiToken } = JSON.parse(demo.stdout) as { apiToken: string };
    const running = await start(env);
    const db = new Database(join(data, 'sotto.db'), { readonly: true });
    const boxId = (db.prepare('select id from voicemail_boxes order by id limit 1').get() as { id: string }).id;
    db.close();
    const put = await fetch(`${running.url}/api/v1/voicemail-boxes/${boxId}/greetings/unavailable`, { method: 'PUT', headers: { authorization: `Bearer ${apiToken}`, 'content-type': 'audio/wav' }, body: wav(600) });
    expect(put.status, await put.clone().text()).toBe(200);

    // The backup, while Sotto runs: database first, then blobs; keys to a separate place.
    const backup = join(root, 'backup');
    const keys = join(root, 'keys');
    mkdirSync(backup);
    mkdirSync(keys);
    sh('sqlite3', [join(data, 'sotto.db'), `.backup ${join(backup, 'sotto.db')}`]);
    sh('cp', ['-a', join(data, 'blobs'), join(backup, 'blobs')]);
    sh('sh', ['-c', `cp -p "${data}"/master.key* "${keys}"/`]);
    expect(readdirSync(keys).sort()).toEqual(['master.key', 'master.key.audit-marker']);
    await running.stop();

    // The restore: a new data dir (0700) with the database, the blobs and the same set's key files.
    const restored = join(root, 'restored');
    mkdirSync(restored, { mode: 0o700 });
    chmodSync(restored, 0o700);
    copyFileSync(join(backup, 'sotto.db'), join(restored, 'sotto.db'));
    sh('cp', ['-a', join(backup, 'blobs'), join(restored, 'blobs')]);
    sh('sh', ['-c', `cp -p "${keys}"/master.key* "${restored}"/`]);
    const renv = { SOTTO_DATA_DIR: restored, ...ports };
    const verify = sotto(['audit', 'verify'], renv);
    expect(verify.status, verify.stdout + verify.stderr).toBe(0);
    const again = await start(renv);
    const health = await fetch(`${again.url}/api/v1/health`);
    expect(health.status).toBe(200);
    await again.stop();

    const original = await greetingBytes(data);
    expect(original.length).toBe(600 * 8);
    expect((await greetingBytes(restored)).equals(original)).toBe(true);
  });
});
