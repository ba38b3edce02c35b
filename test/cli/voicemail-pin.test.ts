import { spawnSync } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { findBoxByExtension, verifyMailboxPin } from '../../src/voicemail/mailbox/index.ts';
import { SOTTO_BIN, sotto } from '../support/cli.ts';

describe('sotto voicemail pin set', { timeout: 180_000 }, () => {
  it('sets the PIN read from stdin, refuses a weak one; a demo re-run keeps it and prints null for it', async () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-pin-')) };
    const demo = JSON.parse(sotto(['demo', '--json'], env).stdout) as { practice: { id: string }; extensions: Array<{ extension: string; voicemailPin: string }> };
    const run = (args: string[], input: string) => spawnSync(process.execPath, [SOTTO_BIN, ...args], { env: { ...process.env, ...env }, input, encoding: 'utf8', timeout: 60_000 });

    const ok = run(['voicemail', 'pin', 'set', '--extension', '101', '--json'], '660193\n');
    expect(ok.status, ok.stderr).toBe(0);
    expect(JSON.parse(ok.stdout)).toEqual({ voicemailBox: { id: expect.any(String), extension: '101' }, pinChanged: true });

    const weak = run(['voicemail', 'pin', 'set', '--extension', '101', '--pin', '123456'], '');
    expect(weak.status).toBe(2);
    expect(weak.stderr).toContain('PIN_INVALID');
    const none = run(['voicemail', 'pin', 'set', '--extension', '199'], '660193\n');
    expect(none.stderr).toContain('VOICEMAIL_BOX_NOT_FOUND');

    const rt = await openRuntime(loadConfig(env), createLogger('silent', pino.destination(2)));
    try {
      const box = (await findBoxByExtension(rt.database.db, demo.practice.id, '101'))!;
      const check = (pin: string) => verifyMailboxPin(rt.database.db, { practiceId: demo.practice.id, boxId: box.id, pin, callerKey: 'cli-test' });
      expect((await check('660193')).outcome).toBe('ok');
      expect((await check(demo.extensions[0]!.voicemailPin)).outcome).toBe('wrong');
    } finally {
      await rt.close();
    }
    expect(sotto(['audit', 'verify'], env).status).toBe(0);
    // `sotto demo` prints only PINs that work, and does not undo the change: the changed one prints as null.
    const again = JSON.parse(sotto(['demo', '--json'], env).stdout);
    expect(again.extensions.map((e: { voicemailPin: string | null }) => e.voicemailPin)).toEqual([null, demo.extensions[1]!.voicemailPin, demo.extensions[2]!.voicemailPin]);
    const rt2 = await openRuntime(loadConfig(env), createLogger('silent', pino.destination(2)));
    try {
      const box = (await findBoxByExtension(rt2.database.db, demo.practice.id, '101'))!;
      expect((await verifyMailboxPin(rt2.database.db, { practiceId: demo.practice.id, boxId: box.id, pin: '660193', callerKey: 'cli-test-2' })).outcome).toBe('ok');
    } finally {
      await rt2.close();
    }
  });
});
