import { chmod, mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { VaultErrorCode } from './errors.ts';
import { FileKeyProvider, masterKeyIdOf } from './file-key-provider.ts';

let dir: string;
beforeEach(async () => {
  dir = await mkdtemp(join(tmpdir(), 'sotto-keyfile-'));
});
afterEach(async () => {
  await rm(dir, { recursive: true, force: true });
});

describe('FileKeyProvider', () => {
  it('creates a 32-byte key file with mode 0600 on first use, inside a 0700 directory it creates', async () => {
    const path = join(dir, 'keys', 'master.key');
    const provider = await FileKeyProvider.open({ path });
    const st = await stat(path);
    expect(st.mode & 0o777).toBe(0o600);
    expect(st.size).toBe(32);
    expect((await stat(join(dir, 'keys'))).mode & 0o777).toBe(0o700);
    const key = await readFile(path);
    expect(await provider.masterKeyId()).toBe(masterKeyIdOf(key));
    // The id is derived, not the key: none of its hex appears in the id.
    expect(await provider.masterKeyId()).toMatch(/^mk_[0-9a-f]{16}$/);
    expect((await provider.masterKeyId()).includes(key.toString('hex').slice(0, 8))).toBe(false);
  });

  it('reopens the same key (same id) and unwraps what it wrapped', async () => {
    const path = join(dir, 'master.key');
    const a = await FileKeyProvider.open({ path });
    const wrapped = await a.wrap(Buffer.alloc(32, 7), Buffer.from('aad'));
    const b = await FileKeyProvider.open({ path });
    expect(await b.masterKeyId()).toBe(await a.masterKeyId());
    expect(await b.unwrap(wrapped, Buffer.from('aad'))).toEqual(Buffer.alloc(32, 7));
  });

  it('refuses to unwrap under other associated data', async () => {
    const p = await FileKeyProvider.open({ path: join(dir, 'master.key') });
    const wrapped = await p.wrap(Buffer.alloc(32, 7), Buffer.from('practice-a'));
    await expect(p.unwrap(wrapped, Buffer.from('practice-b'))).rejects.toMatchObject({ code: VaultErrorCode.Tampered });
  });

  it('concurrent first starts converge on one key', async () => {
    const path = join(dir, 'master.key');
    const providers = await Promise.all(Array.from({ length: 8 }, () => FileKeyProvider.open({ path })));
    const ids = new Set(await Promise.all(providers.map((p) => p.masterKeyId())));
    expect(ids.size).toBe(1);
  });

  it('refuses a key file readable by group or others, with a clear error', async () => {
    const path = join(dir, 'master.key');
    await FileKeyProvider.open({ path });
    await chmod(path, 0o644);
    await expect(FileKeyProvider.open({ path })).rejects.toMatchObject({
      code: VaultErrorCode.KeyFilePermissions,
      message: expect.stringContaining('chmod 600'),
    });
  });

  it('refuses a key file of the wrong size', async () => {
    const path = join(dir, 'master.key');
    await writeFile(path, Buffer.alloc(16), { mode: 0o600 });
    await expect(FileKeyProvider.open({ path })).rejects.toMatchObject({ code: VaultErrorCode.KeyFileSize });
  });

  it('does not create a file when create is false', async () => {
    await expect(FileKeyProvider.open({ path: join(dir, 'absent.key'), create: false })).rejects.toMatchObject({
      code: 'ENOENT',
    });
  });
});
