// README "Command line": a command called wrongly (a required option missing,
// an option's value not one it takes) exits 2 with its code, as an unknown
// option or command does; a refusal or failure exits 1. An operator walk found
// a bad --extension and a short --pin exiting 1, and --bogus / `sotto
// frobnicate` exiting 2 with parseArgs' text and no code.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sotto } from '../support/cli.ts';

describe('sotto exit codes', { timeout: 180_000 }, () => {
  it('an option value the command cannot take exits 2 with its code; a refusal exits 1', () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-exit-')) };
    expect(sotto(['demo', '--json'], env).status).toBe(0);

    const ext = sotto(['user', 'add', '--email', 'new@demo.example', '--name', 'New Person', '--extension', '0123'], env);
    expect([ext.status, ext.stderr.trim()]).toEqual([2, 'sotto: an extension is 2 to 6 digits and does not start with 0 (INVALID_INPUT)']);
    const email = sotto(['user', 'add', '--email', 'bad', '--name', 'X', '--json'], env);
    expect([email.status, JSON.parse(email.stdout).error.code]).toEqual([2, 'INVALID_INPUT']);
    const pin = sotto(['voicemail', 'pin', 'set', '--extension', '103', '--pin', '12'], env);
    expect([pin.status, /\((PIN_INVALID)\)\n$/.exec(pin.stderr)?.[1]]).toEqual([2, 'PIN_INVALID']);
    const weak = sotto(['admin', 'create', '--email', 'o2@demo.example', '--name', 'Second Owner', '--password', 'password1234', '--json'], env);
    expect([weak.status, JSON.parse(weak.stdout).error.code]).toEqual([2, 'WEAK_PASSWORD']);

    // Refusals of a well-formed command stay 1.
    const noBox = sotto(['voicemail', 'pin', 'set', '--extension', '199', '--pin', '660193'], env);
    expect([noBox.status, noBox.stderr.includes('(VOICEMAIL_BOX_NOT_FOUND)')]).toEqual([1, true]);
    const taken = sotto(['user', 'add', '--email', 'again@demo.example', '--name', 'Again', '--extension', '101', '--json'], env);
    expect([taken.status, JSON.parse(taken.stdout).error.code]).toEqual([1, 'EXTENSION_TAKEN']);
  });

  it('an unknown option or command exits 2 naming its code, with a usage hint', () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-exit-')) };
    const bogus = sotto(['user', 'list', '--bogus'], env);
    expect(bogus.status).toBe(2);
    expect(bogus.stderr.split('\n')[0]).toBe('sotto: unknown option --bogus (UNKNOWN_OPTION)');
    expect(bogus.stderr).toContain('usage: sotto <command> [options]');
    const bogusJson = sotto(['user', 'list', '--bogus', '--json'], env);
    expect([bogusJson.status, JSON.parse(bogusJson.stdout).error.code]).toEqual([2, 'UNKNOWN_OPTION']);

    const frob = sotto(['frobnicate'], env);
    expect(frob.status).toBe(2);
    expect(frob.stderr.split('\n')[0]).toBe('sotto: unknown command "frobnicate" (UNKNOWN_COMMAND)');
    expect(frob.stderr).toContain('usage: sotto <command> [options]');
    const frobJson = sotto(['user', 'frob', '--json'], env);
    expect([frobJson.status, JSON.parse(frobJson.stdout).error.code]).toEqual([2, 'UNKNOWN_COMMAND']);

    const noValue = sotto(['user', 'add', '--email'], env);
    expect([noValue.status, noValue.stderr.split('\n')[0]]).toEqual([2, 'sotto: --email needs a value (MISSING_ARGUMENT)']);
  });
});
