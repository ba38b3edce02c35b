#!/usr/bin/env node
// Entry point for `npx sotto …` and `npm start`. Plain JavaScript on purpose:
// it must run before dependencies exist, install them if missing, then hand
// over to the TypeScript CLI through Sotto's own module hooks (no build step;
// scripts/ts-hooks.mjs says why not tsx's).
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

// Only after the install above: the hooks load esbuild from node_modules.
await import('../scripts/register-ts.mjs');
const { main } = await import(pathToFileURL(join(root, 'src/cli/main.ts')).href);
process.exitCode = await main(process.argv.slice(2));
