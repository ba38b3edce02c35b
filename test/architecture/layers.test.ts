// The dependency rules of DESIGN.md, checked on every run: a change that
// breaks a layer boundary fails the suite.
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { describe, expect, it } from 'vitest';
import { PROJECT_ROOT } from '../../src/app/runtime.ts';

const SRC = join(PROJECT_ROOT, 'src');

function walk(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const p = join(dir, name);
    return statSync(p).isDirectory() ? walk(p) : p.endsWith('.ts') && !p.endsWith('.test.ts') ? [p] : [];
  });
}

interface Import {
  file: string;
  layer: string;
  target: string;
  typeOnly: boolean;
}

function imports(): Import[] {
  const out: Import[] = [];
  const re = /^\s*(import|export)\s+(type\s+)?[^'"]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]|import\(\s*['"]([^'"]+)['"]\s*\)/gm;
  for (const file of walk(SRC)) {
    const text = readFileSync(file, 'utf8');
    const layer = relative(SRC, file).split(sep)[0]!;
    for (const m of text.matchAll(re)) {
      const spec = m[3] ?? m[4] ?? m[5]!;
      let target = spec;
      if (spec.startsWith('.')) {
        const abs = join(file, '..', spec);
        const rel = relative(SRC, abs).split(sep);
        target = rel[0] === '..' ? `outside:${spec}` : `src:${rel[0]}`;
      }
      out.push({ file: relative(PROJECT_ROOT, file), layer, target, typeOnly: Boolean(m[2]) });
    }
  }
  return out;
}

const all = imports();
const layerImports = (layer: string) => all.filter((i) => i.layer === layer && i.target.startsWith('src:') && i.target !== `src:${layer}`);

describe('layer rules (DESIGN.md)', () => {
  it('finds the source tree', () => {
    expect(all.length).toBeGreaterThan(50);
  });

  it.each(['sip', 'media'])('%s/ imports nothing from other Sotto layers', (layer) => {
    expect(layerImports(layer).map((i) => `${i.file} -> ${i.target}`)).toEqual([]);
  });

  it('policy/ is pure: no other layer, no I/O modules', () => {
    const bad = all.filter((i) => i.layer === 'policy' && (i.target.startsWith('src:') ? i.target !== 'src:policy' : /^(node:)?(fs|net|dgram|tls|http|https|child_process|worker_threads)/.test(i.target)));
    expect(bad.map((i) => `${i.file} -> ${i.target}`)).toEqual([]);
  });

  it('only app/ and cli/ import the composition root', () => {
    const bad = all.filter((i) => i.target === 'src:app' && !['app', 'cli'].includes(i.layer) && !i.typeOnly);
    expect(bad.map((i) => `${i.file} -> ${i.target}`)).toEqual([]);
  });

  it.each(['directory', 'vault', 'audit', 'auth', 'transcribe', 'notify', 'policy', 'db', 'pbx'])('%s/ does not reach up into api/, cli/ or app/', (layer) => {
    const bad = layerImports(layer).filter((i) => ['src:api', 'src:cli', 'src:app'].includes(i.target));
    expect(bad.map((i) => `${i.file} -> ${i.target}`)).toEqual([]);
  });

  it('api/ reaches the domain through commands, never raw SQL', () => {
    const files = walk(join(SRC, 'api'));
    const offenders = files.filter((f) => /\.(selectFrom|insertInto|updateTable|deleteFrom)\(|\bsql`/.test(readFileSync(f, 'utf8')));
    expect(offenders.map((f) => relative(PROJECT_ROOT, f))).toEqual([]);
    const kysely = all.filter((i) => i.layer === 'api' && i.target === 'kysely' && !i.typeOnly);
    expect(kysely.map((i) => i.file)).toEqual([]);
  });
});
