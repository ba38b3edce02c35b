#!/usr/bin/env node
// Entry point for `npx sotto …` and `npm start`. Plain JavaScript on purpose:
// it must run before dependencies exist, install them if missing, then hand
// over to the TypeScript CLI through tsx's loader (no build step).
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { ensureNodeModules } from '../scripts/ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');

if (!existsSync(join(root, 'node_modules', 'tsx'))) {
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

const { register } = await import(pathToFileURL(join(root, 'node_modules/tsx/dist/esm/api/index.mjs')).href);
register();
const { main } = await import(pathToFileURL(join(root, 'src/cli/main.ts')).href);
process.exitCode = await main(process.argv.slice(2));
