#!/usr/bin/env node
// Entry point for `npx sotto …` and `npm start`. Plain JavaScript on purpose:
// it must run before dependencies exist, install them if missing, then hand
// over to the TypeScript CLI: bundled on demand (scripts/cli-bundle.mjs), or
// through Sotto's own module hooks (scripts/ts-hooks.mjs says why not tsx's).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureNodeModules } from '../scripts/ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (!existsSync(join(root, 'node_modules', 'esbuild'))) {
  ensureNodeModules(root);
}

// The portal (web/dist) is built on first start and whenever web/src is newer.
if (process.argv[2] === 'start') {
  const { ensurePortalBuilt } = await import('../web/build.mjs');
  try {
    ensurePortalBuilt(root);
  } catch (e) {
    // The phone system and its API do not depend on the portal: start without it.
    process.stderr.write(`sotto: ${e instanceof Error ? e.message : String(e)}; starting without the portal\n`);
  }
}

// Only after the install above: both ways of loading the TypeScript use esbuild
// from node_modules. The bundle (scripts/cli-bundle.mjs says why) when one can
// be made, else Sotto's module hooks on the sources as they are.
const { ensureCliBundle } = await import('../scripts/cli-bundle.mjs');
const bundle = await ensureCliBundle(root);
let entry;
if (bundle) {
  // Stack traces name the .ts file and line, through the bundle's source map.
  process.setSourceMapsEnabled(true);
  entry = pathToFileURL(bundle).href;
} else {
  await import('../scripts/register-ts.mjs');
  entry = pathToFileURL(join(root, 'src/cli/main.ts')).href;
}
const { main } = await import(entry);
process.exitCode = await main(process.argv.slice(2));
