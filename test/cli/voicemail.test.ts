// `sotto voicemail list|get|audio|heard|delete` as an operator runs them on
// a demo install holding one message: what they print, the WAV they write
// (owner-only, the message's audio), and the audit trail they leave (every
// read of PHI and every change, as a CLI action, in an intact chain).
import { mkdtempSync, readFileSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { bytesToPcm16, parseWav } from '../../src/media/wav.ts';
import { VoicemailStore } from '../../src/voicemail/index.ts';
import { sotto } from '../support/cli.ts';
import { boxOf, leaveMessage, tone } from '../support/voicemail.ts';

describe('sotto voicemail', { timeout: 240_000 }, () => {
  it('lists, reads, exports, marks heard and deletes a message, each audited', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'sotto-cli-vm-'));
    const env = { SOTTO_DATA_DIR: dir };
    const demo = JSON.parse(sotto(['demo', '--json'], env).stdout) as { practice: { id: string } };
    const rt = await openRuntime(loadConfig(env), createLogger('silent', pino.destination(2)));
    let id: string;
    try {
      const box = await boxOf(rt.database.db, demo.practice.id, '102');
      id = (await leaveMessage(new VoicemailStore(rt.database.db, rt.vault), box, tone(1500, 440))).id;
    } finally {
      await rt.close();
    }

    const list = sotto(['voicemail', 'list', '--json'], env);
    expect(list.status, list.stderr).toBe(0);
    expect(JSON.parse(list.stdout)).toEqual({ items: [{ id, extension: '102', receivedAt: expect.any(String), durationMs: 1500, heard: false, partial: false, transcript: null }] });
    expect(JSON.parse(sotto(['voicemail', 'list', '--extension', '101', '--json'], env).stdout)).toEqual({ items: [] });

    const get = sotto(['voicemail', 'get', id, '--json'], env);
    expect(JSON.parse(get.stdout)).toMatchObject({ id, extension: '102', heard: false });

    const file = join(dir, 'message.wav');
    const audio = sotto(['voicemail', 'audio', id, '--out', file], env);
    expect(audio.status, audio.stderr).toBe(0);
    expect(statSync(file).mode & 0o777).toBe(0o600);
    const wav = parseWav(readFileSync(file));
    expect(wav.ok).toBe(true);
    if (wav.ok) {
      expect(wav.value.sampleRate).toBe(8000);
      const pcm = bytesToPcm16(wav.value.data);
      expect(pcm.length).toBe(1500 * 8);
      expect(Math.max(...pcm)).toBeGreaterThan(6000);
    }
    const again = sotto(['voicemail', 'audio', id, '--out', file], env);
    expect(again.status).toBe(1);
    expect(again.stderr).toContain('FILE_EXISTS');

    expect(sotto(['voicemail', 'heard', id], env).status).toBe(0);
    // A second mark changes nothing and records nothing (the event list below holds one mark_heard).
    const twice = sotto(['voicemail', 'heard', id], env);
    expect(twice.status).toBe(0);
    expect(twice.stdout).toBe(`Voicemail ${id} was already marked heard; nothing changed.\n`);
    expect(JSON.parse(sotto(['voicemail', 'get', id, '--json'], env).stdout).heard).toBe(true);
    expect(sotto(['voicemail', 'delete', id], env).status).toBe(0);
    const gone = sotto(['voicemail', 'get', id], env);
    expect(gone.status).toBe(1);
    expect(gone.stderr).toContain('VOICEMAIL_NOT_FOUND');

    const exported = sotto(['audit', 'export'], env);
    const events = exported.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as { event?: { action: string; actor: { id: string } } }).event)
      .filter((e) => e !== undefined && e.action.startsWith('voicemail.') && e.actor.id === 'cli')
      .map((e) => e!);
    expect(events.map((e) => e.action)).toEqual(['voicemail.list', 'voicemail.list', 'voicemail.read', 'voicemail.play', 'voicemail.mark_heard', 'voicemail.read', 'voicemail.delete']);
    expect(sotto(['audit', 'verify'], env).status).toBe(0);
  });

  it('takes a malformed --extension as a usage error (INVALID_INPUT, exit 2), not as a box that is not there', () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-vm-ext-')) };
    for (const args of [
      ['voicemail', 'list', '--extension', 'abc'],
      ['voicemail', 'pin', 'set', '--extension', '1x', '--pin', '739215'],
      ['voicemail', 'list', '--extension', '0101'],
    ]) {
      const r = sotto(args, env);
      expect(r.status, args.join(' ')).toBe(2);
      expect(r.stderr).toContain('INVALID_INPUT');
      expect(r.stderr).not.toContain('VOICEMAIL_BOX_NOT_FOUND');
    }
  });
});
