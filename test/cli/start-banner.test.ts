// The start banner on an empty install: the first-admin command it prints is
// the README's and works when pasted; and with email notices on but no
// SOTTO_PUBLIC_URL, it warns that links and the SIP domain name this machine
// only (an operator walk found notices linking to http://localhost:PORT/).
import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/app/runtime.ts';
import { FIRST_ADMIN_COMMAND } from '../../src/cli/commands/start-banner.ts';
import { SOTTO_BIN, sotto } from '../support/cli.ts';

/** Runs `sotto start` until its banner is out, then stops it; returns the banner. */
async function banner(env: Record<string, string>): Promise<string> {
  const child = spawn(process.execPath, [SOTTO_BIN, 'start'], { env: { ...process.env, ...env } });
  let out = '';
  const text = await new Promise<string>((resolve, reject) => {
    child.stdout.on('data', (d) => {
      out += d;
      if (/is running\.[\s\S]*Master key.*\n/.test(out) && (out.includes('sotto demo\n') || !out.includes('No practice yet'))) resolve(out);
    });
    child.on('exit', (code) => reject(new Error(`sotto start exited ${code}: ${out}`)));
  });
  const closed = new Promise((r) => child.on('exit', r));
  child.kill('SIGTERM');
  await closed;
  return text;
}

/** A pasted command line split as a POSIX shell would (double quotes only). */
function shellWords(line: string): string[] {
  return [...line.matchAll(/"([^"]*)"|(\S+)/g)].map((m) => m[1] ?? m[2]!);
}

const ports = { SOTTO_BIND: '127.0.0.1', SOTTO_HTTP_PORT: '0', SOTTO_SIP_PORT: '0', SOTTO_SIP_TLS_PORT: '0' };

describe('sotto start banner', { timeout: 120_000 }, () => {
  it('prints the README\'s first-admin command, which works when pasted, and warns of a local-only public URL when mail is on', async () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-banner-')), SOTTO_SMTP_URL: 'smtp://mail.invalid:587', ...ports };
    const text = await banner(env);
    const line = text.split('\n').find((l) => l.includes('admin create'))!.trim();
    expect(line).toBe(FIRST_ADMIN_COMMAND);
    expect(readFileSync(join(PROJECT_ROOT, 'README.md'), 'utf8').replace(/ \\\n\s+/g, ' ')).toContain(FIRST_ADMIN_COMMAND);
    const warning = text.split('\n').filter((l) => l.includes('Warning'));
    expect(warning).toHaveLength(1);
    expect(warning[0]).toMatch(/^ {2}Warning {10}SOTTO_PUBLIC_URL is not set: email notices link to http:\/\/localhost:\d+\/ and new phones are given a SIP domain of this machine only/);

    const [npx, ...args] = shellWords(line);
    expect([npx, args[0]]).toEqual(['npx', 'sotto']);
    const pasted = sotto([...args.slice(1), '--json'], env);
    expect(pasted.status, pasted.stderr).toBe(0);
    expect(JSON.parse(pasted.stdout)).toMatchObject({ practice: { name: 'Your Practice', tier: 'pro' }, admin: { role: 'owner' } });
  });

  it('says nothing when SOTTO_PUBLIC_URL names the box by a name others reach', async () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-banner-')), SOTTO_SMTP_URL: 'smtp://mail.invalid:587', SOTTO_PUBLIC_URL: 'https://pbx.maple.example', ...ports };
    expect(await banner(env)).not.toContain('Warning');
    const local = await banner({ ...env, SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-cli-banner-')), SOTTO_PUBLIC_URL: 'http://127.0.0.1:8080' });
    expect(local).toContain('Warning          SOTTO_PUBLIC_URL names this machine only: email notices link to http://127.0.0.1:8080/');
  });
});
