// `sotto retention …` as an operator runs it on a demo install: a hold on a
// message stops `purge-now` and `voicemail delete`; released, the message is
// purged out of `voicemail list`, with a receipt and a retention.purge event
// by the CLI. Wrong calls exit 2 with their code.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pino from 'pino';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadConfig } from '../../src/app/config.ts';
import { createLogger } from '../../src/app/logger.ts';
import { openRuntime } from '../../src/app/runtime.ts';
import { VoicemailStore } from '../../src/voicemail/index.ts';
import { sotto } from '../support/cli.ts';
import { boxOf, leaveMessage } from '../support/voicemail.ts';

const DAY = 86_400_000;

describe('sotto retention', { timeout: 120_000 }, () => {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-retention-cli-'));
  const env = { SOTTO_DATA_DIR: dir };
  let practiceId: string;
  let message: { id: string; audioObjectId: string };
  const json = (args: string[]) => {
    const r = sotto([...args, '--json'], env);
    expect(r.status, `${args.join(' ')}: ${r.stderr}`).toBe(0);
    return JSON.parse(r.stdout);
  };

  beforeAll(async () => {
    practiceId = json(['demo']).practice.id;
    // A message left 100 days ago (the demo's policy keeps voicemail 90 days).
    const rt = await openRuntime(loadConfig(env), createLogger('silent', pino.destination(2)));
    try {
      const m = await leaveMessage(new VoicemailStore(rt.database.db, rt.vault), await boxOf(rt.database.db, practiceId, '101'));
      // Stored then, with the deadline it got then (a purge never brings a stored deadline in by itself).
      const left = Date.now() - 100 * DAY;
      await rt.database.db
        .updateTable('vault_objects')
        .set({ created_at: new Date(left).toISOString(), retention_deadline: new Date(left + 90 * DAY).toISOString() })
        .where('id', '=', m.audioObjectId)
        .execute();
      message = m;
    } finally {
      await rt.close();
    }
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it('holds a message through purge-now and a delete, then purges it once released', () => {
    expect(json(['retention', 'status']).days).toMatchObject({ voicemail: 90, transcript: 90 });
    expect(json(['retention', 'hold', '--voicemail', message.id, '--reference', 'CASE-2026-17'])).toEqual({ voicemailId: message.id, held: true, changed: true });
    expect(json(['retention', 'holds']).voicemails).toEqual([{ id: message.id, boxId: expect.any(String) }]);
    expect(json(['retention', 'purge-now'])).toMatchObject({ destroyed: 0, messagesRemoved: 0 });
    const del = sotto(['voicemail', 'delete', message.id], env);
    expect([del.status, del.stderr]).toEqual([1, expect.stringContaining('VOICEMAIL_LEGAL_HOLD')]);

    expect(json(['retention', 'release', '--voicemail', message.id])).toEqual({ voicemailId: message.id, held: false, changed: true });
    expect(json(['retention', 'release', '--voicemail', message.id]).changed).toBe(false);
    const run = json(['retention', 'purge-now']);
    expect(run).toMatchObject({ destroyed: 1, messagesRemoved: 1, receiptIds: [expect.stringMatching(/^rcpt_/)] });
    expect(json(['voicemail', 'list']).items).toEqual([]);
    expect(json(['retention', 'receipts']).items).toEqual([expect.objectContaining({ id: run.receiptIds[0], objectId: message.audioObjectId, kind: 'voicemail', reason: 'retention_expired' })]);
    const audio = sotto(['voicemail', 'audio', message.id, '--out', join(dir, 'x.wav')], env);
    expect([audio.status, audio.stderr]).toEqual([1, expect.stringContaining('VOICEMAIL_NOT_FOUND')]);
  });

  it('holds a user by email and refuses wrong calls with exit 2', () => {
    const email = (json(['user', 'list']).items as Array<{ email: string }>)[0]!.email;
    expect(json(['retention', 'hold', '--user', email, '--reference', 'TICKET-9'])).toMatchObject({ held: true, changed: true });
    expect(json(['retention', 'holds']).users).toEqual([expect.objectContaining({ reference: 'TICKET-9' })]);
    for (const [args, code] of [
      [['retention', 'hold', '--user', email], 'MISSING_ARGUMENT'],
      [['retention', 'hold', '--reference', 'CASE-1'], 'MISSING_ARGUMENT'],
      [['retention', 'hold', '--user', email, '--voicemail', message.id, '--reference', 'CASE-1'], 'MISSING_ARGUMENT'],
      [['retention', 'hold', '--user', email, '--reference', 'John Smith'], 'INVALID_INPUT'],
    ] as const) {
      const r = sotto([...args], env);
      expect([r.status, r.stderr.includes(code)], args.join(' ')).toEqual([2, true]);
    }
    expect(json(['retention', 'release', '--user', email])).toMatchObject({ held: false, changed: true });
  });
});
