// The module hooks `sotto` runs its TypeScript with (scripts/ts-hooks.mjs):
// what an operator sees of them (stack traces naming .ts lines, a worker
// thread that loads TypeScript too) and why they replaced tsx's (no
// __name() wrapping of closures, which cost a property definition on every
// datagram the SIP transport received).
import { spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/app/runtime.ts';

const REGISTER = pathToFileURL(join(PROJECT_ROOT, 'scripts/register-ts.mjs')).href;

/**
 * Runs `entry` of `files` (written to a fresh folder) under the hooks. Node
 * first loads count-names.mjs, which counts every name defined on a function
 * with Object.defineProperty: it is in place before any module takes its own
 * reference (as esbuild's __name helper does), and prints the count at exit.
 */
function runTs(files: Record<string, string>, entry: string): { status: number | null; stdout: string; stderr: string } {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-ts-hooks-'));
  const counter = [
    'const define = Object.defineProperty;',
    'let defined = 0;',
    "Object.defineProperty = function (o, p, d) { if (p === 'name' && typeof o === 'function') defined++; return define(o, p, d); };",
    "process.on('exit', () => process.stdout.write(`names defined: ${defined}\\n`));",
  ].join('\n');
  for (const [name, text] of Object.entries({ ...files, 'count-names.mjs': counter })) writeFileSync(join(dir, name), text);
  try {
    const r = spawnSync(process.execPath, ['--import', pathToFileURL(join(dir, 'count-names.mjs')).href, '--import', REGISTER, join(dir, entry)], { encoding: 'utf8', timeout: 30_000 });
    return { status: r.status, stdout: r.stdout, stderr: r.stderr };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

describe('scripts/ts-hooks.mjs', () => {
  it('runs TypeScript (types, enums, parameter properties, .ts imports) without defining a name on each closure made', () => {
    const r = runTs(
      {
        'shape.ts': [
          'export enum Kind { A = 1, B }',
          'export class Box { constructor(private readonly v: number) {} get value(): number { return this.v; } }',
          // A type only: the import of it must vanish, as shape.ts exports no such value.
          'export interface Shape { kind: Kind }',
        ].join('\n'),
        'main.ts': [
          "import { Box, Kind } from './shape.ts';",
          "import type { Shape } from './shape.ts';",
          // As the SIP transport did for every datagram: closures made per call, named by their binding.
          'function handler(n: number): number {',
          '  const reply = (x: number): number => x + n;',
          '  const ctx = { send: (x: number) => reply(x) };',
          '  return ctx.send(1);',
          '}',
          'let sum = 0;',
          'for (let i = 0; i < 1000; i++) sum += handler(i);',
          'const unused: Shape | undefined = undefined;',
          'console.log(JSON.stringify({ sum, kind: Kind.B, box: new Box(7).value, name: handler.name, unused }));',
        ].join('\n'),
      },
      'main.ts',
    );
    expect(r.stderr).toBe('');
    const [result, names] = r.stdout.trim().split('\n');
    expect(JSON.parse(result ?? '')).toEqual({ sum: 500500, kind: 2, box: 7, name: 'handler' });
    // Under tsx (esbuild keepNames) this was 2,000 and more: two per handler() call.
    expect(names).toBe('names defined: 0');
  });

  it('names the .ts file and line in a stack trace, as an operator reading a crash report needs', () => {
    const r = runTs(
      {
        'fail.ts': ['interface Unused { a: string }', '', 'export function fail(): never {', "  throw new Error('boom');", '}'].join('\n'),
        'main.ts': ["import { fail } from './fail.ts';", 'try { fail(); } catch (e) { console.log((e as Error).stack); }'].join('\n'),
      },
      'main.ts',
    );
    expect(r.status).toBe(0);
    expect(r.stdout).toMatch(/at fail \(.*fail\.ts:4:9\)/);
  });

  it('lets a worker thread load TypeScript through the same hooks (the media worker does)', () => {
    const r = runTs(
      {
        'work.ts': ["import { parentPort } from 'node:worker_threads';", 'const twice = (n: number): number => n * 2;', 'parentPort?.postMessage(twice(21));'].join('\n'),
        'boot.mjs': [`await import(${JSON.stringify(REGISTER)});`, "await import(new URL('./work.ts', import.meta.url).href);"].join('\n'),
        'main.ts': [
          "import { Worker } from 'node:worker_threads';",
          // execArgv [] so the worker does not inherit --import: only boot.mjs can give it the hooks.
          "const w = new Worker(new URL('./boot.mjs', import.meta.url), { execArgv: [] });",
          "w.once('message', (m: number) => { console.log(m); void w.terminate(); });",
        ].join('\n'),
      },
      'main.ts',
    );
    expect(r.stderr).toBe('');
    expect(r.stdout.trim().split('\n')[0]).toBe('42');
  });

  it('leaves no esbuild process running once start-up has loaded everything (ps shows only Sotto)', () => {
    const r = runTs(
      {
        'main.ts': [
          "import { execFileSync } from 'node:child_process';",
          'const children = (): string[] => {',
          "  const out = execFileSync('ps', ['--ppid', String(process.pid), '-o', 'comm='], { encoding: 'utf8' });",
          "  return out.split('\\n').map((l) => l.trim()).filter((l) => l !== '' && l !== 'ps');",
          '};',
          'const during = children();',
          'setTimeout(() => console.log(JSON.stringify({ during, after: children() })), 3500);',
        ].join('\n'),
      },
      'main.ts',
    );
    expect(r.stderr).toBe('');
    const { during, after } = JSON.parse(r.stdout.trim().split('\n')[0] ?? '') as { during: string[]; after: string[] };
    expect(during).toContain('esbuild');
    expect(after).toEqual([]);
  });
});
