// The CLI writes names and labels through the same directory rule as the API
// (src/directory/display-text.ts): a blank name, a control character or a
// line break is INVALID_INPUT (exit 2), and nothing is made, not even the
// practice `admin create` would have set up first.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { sotto } from '../support/cli.ts';

describe('names and labels on the command line', { timeout: 180_000 }, () => {
  it('refuses bad display text with INVALID_INPUT and leaves nothing behind', () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-text-')) };
    const codeOf = (r: { status: number | null; stdout: string }) => [r.status, JSON.parse(r.stdout).error?.code];
    const create = (name: string) => sotto(['admin', 'create', '--email', 'owner@oak.example', '--name', name, '--practice-name', 'Oak Dental', '--json'], env);

    expect(codeOf(create('Oak \u001b[2JOwner'))).toEqual([2, 'INVALID_INPUT']);
    expect(codeOf(create('   '))).toEqual([2, 'INVALID_INPUT']);
    // Had the refused runs made the practice, this would be PRACTICE_EXISTS.
    expect(create('Oak Owner').status).toBe(0);

    expect(codeOf(sotto(['user', 'add', '--email', 'hy@oak.example', '--name', 'Hy\r\nGienist', '--json'], env))).toEqual([2, 'INVALID_INPUT']);
    expect(codeOf(sotto(['user', 'add', '--email', 'hy@oak.example', '--name', '\u202EGienist', '--json'], env))).toEqual([2, 'INVALID_INPUT']);
    expect(codeOf(sotto(['token', 'create', '--role', 'staff', '--label', 'desk\tpc', '--json'], env))).toEqual([2, 'INVALID_INPUT']);
    const users = JSON.parse(sotto(['user', 'list', '--json'], env).stdout).items as Array<{ email: string }>;
    expect(users.map((u) => u.email)).toEqual(['owner@oak.example']);
  });
});
