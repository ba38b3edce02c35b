// The bundle `sotto` runs its TypeScript from (scripts/cli-bundle.mjs): made
// on demand, reused while no source changes, remade when one does, and
// behaving as the sources do (files found beside the source that names
// them, commands loaded when they run, stack traces naming .ts lines). When
// no bundle can be made the CLI falls back to the module hooks.
import { spawnSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/app/runtime.ts';
import { ensureCliBundle } from '../../scripts/cli-bundle.mjs';

const roots: string[] = [];
afterEach(() => {
  for (const root of roots.splice(0)) rmSync(root, { recursive: true, force: true });
});

/** A project of `files` under src/cli, with the real esbuild installed as Sotto's is. */
function project(files: Record<string, string>): string {
  const root = mkdtempSync(join(tmpdir(), 'sotto-cli-bundle-'));
  roots.push(root);
  mkdirSync(join(root, 'node_modules'), { recursive: true });
  symlinkSync(join(PROJECT_ROOT, 'node_modules', 'esbuild'), join(root, 'node_modules', 'esbuild'));
  for (const [name, text] of Object.entries(files)) write(root, name, text);
  return root;
}

function write(root: string, name: string, text: string): void {
  const path = join(root, 'src', 'cli', name);
  mkdirSync(dirname(path), { recursive: true });
  writeFileSync(path, text);
}

/** Runs the bundle's main() in a Node of its own, as bin/sotto.mjs does, and returns what it printed. */
function runMain(bundle: string): { status: number | null; stdout: string; stderr: string } {
  const script = `process.setSourceMapsEnabled(true); const { main } = await import(${JSON.stringify(pathToFileURL(bundle).href)}); process.exitCode = await main();`;
  const r = spawnSync(process.execPath, ['--input-type=module', '-e', script], { encoding: 'utf8', timeout: 30_000 });
  return { status: r.status, stdout: r.stdout, stderr: r.stderr };
}

function manifestOf(bundle: string): { bundle: string; inputs: Record<string, string> } {
  return JSON.parse(readFileSync(join(dirname(bundle), 'manifest.json'), 'utf8')) as { bundle: string; inputs: Record<string, string> };
}

const MAIN = [
  "import { here } from './where.ts';",
  'export async function main(): Promise<number> {',
  // Loaded when main runs, as src/cli/main.ts loads each command.
  "  const { greeting } = await import('./commands/hello.ts');",
  '  console.log(JSON.stringify({ here, greeting: greeting() }));',
  '  return 0;',
  '}',
].join('\n');

describe('scripts/cli-bundle.mjs', () => {
  it('bundles the CLI, where import.meta.url still names each source file and a command loaded when it runs is its own chunk', async () => {
    const root = project({
      'main.ts': MAIN,
      'where.ts': 'export const here: string = import.meta.url;',
      'commands/hello.ts': "export const greeting = (): string => 'hello';",
    });
    const bundle = await ensureCliBundle(root);
    expect(bundle).toBeDefined();
    expect(bundle!.startsWith(join(root, 'node_modules', '.cache'))).toBe(true);
    const r = runMain(bundle!);
    expect(r.stderr).toBe('');
    expect(JSON.parse(r.stdout)).toEqual({ here: pathToFileURL(join(root, 'src', 'cli', 'where.ts')).href, greeting: 'hello' });
    // The command's module is not in the entry file: a command that is not run costs nothing to load.
    expect(readFileSync(bundle!, 'utf8')).not.toContain("'hello'");
    expect(Object.keys(manifestOf(bundle!).inputs).sort()).toEqual(['commands/hello.ts', 'main.ts', 'where.ts'].map((f) => join(root, 'src', 'cli', f)));
  });

  it('reuses the bundle while no source changes, and makes a new one when a source is edited', async () => {
    const root = project({
      'main.ts': MAIN,
      'where.ts': "export const here: string = 'first';",
      'commands/hello.ts': "export const greeting = (): string => 'hello';",
    });
    const first = (await ensureCliBundle(root))!;
    const builtAt = statSync(join(dirname(first), 'manifest.json')).mtimeMs;
    expect(await ensureCliBundle(root)).toBe(first);
    expect(statSync(join(dirname(first), 'manifest.json')).mtimeMs).toBe(builtAt);

    write(root, 'commands/hello.ts', "export const greeting = (): string => 'hello again';");
    const second = (await ensureCliBundle(root))!;
    expect(JSON.parse(runMain(second).stdout)).toEqual({ here: 'first', greeting: 'hello again' });
  });

  it('makes a new bundle when a source it was made from is deleted', async () => {
    const root = project({
      'main.ts': "import { here } from './where.ts'; export async function main(): Promise<number> { console.log(here); return 0; }",
      'where.ts': "export const here: string = 'kept';",
    });
    const first = (await ensureCliBundle(root))!;
    rmSync(join(root, 'src', 'cli', 'where.ts'));
    write(root, 'main.ts', "export async function main(): Promise<number> { console.log('on its own'); return 0; }");
    const second = (await ensureCliBundle(root))!;
    expect(second).not.toBe(first);
    expect(runMain(second).stdout.trim()).toBe('on its own');
  });

  it('names the .ts file and line in a stack trace, through the source map', async () => {
    const root = project({
      'fail.ts': ['interface Unused { a: string }', '', 'export function fail(): never {', "  throw new Error('boom');", '}'].join('\n'),
      'main.ts': "import { fail } from './fail.ts'; export async function main(): Promise<number> { try { fail(); } catch (e) { console.log((e as Error).stack); } return 0; }",
    });
    const r = runMain((await ensureCliBundle(root))!);
    expect(r.stdout).toMatch(/fail\.ts:4:9\)/);
  });

  it('gives no bundle for a source that does not compile, so the CLI falls back to the hooks and their error names the source', async () => {
    const root = project({ 'main.ts': 'export async function main(): Promise<number> { return (; }' });
    expect(await ensureCliBundle(root)).toBeUndefined();
  });
});
