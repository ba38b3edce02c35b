// Builds the portal (web/dist) when it is missing or older than its sources,
// for `npm start`, `npm test` and the browser tests. Plain JavaScript: it runs
// before tsx is loaded.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync, statSync } from 'node:fs';
import { join } from 'node:path';

function newestMtime(path) {
  const info = statSync(path);
  if (!info.isDirectory()) return info.mtimeMs;
  return readdirSync(path).reduce((max, name) => Math.max(max, newestMtime(join(path, name))), info.mtimeMs);
}

/** True when web/dist/index.html is missing or older than web/src, web/index.html or the Vite config. */
export function portalBuildIsStale(root) {
  const web = join(root, 'web');
  const built = join(web, 'dist', 'index.html');
  if (!existsSync(built)) return true;
  const sources = Math.max(newestMtime(join(web, 'src')), newestMtime(join(web, 'index.html')), newestMtime(join(web, 'vite.config.mjs')));
  return statSync(built).mtimeMs < sources;
}

export function ensurePortalBuilt(root) {
  if (!portalBuildIsStale(root)) return;
  process.stderr.write('sotto: building the portal (web/dist)…\n');
  // NODE_ENV from the caller (vitest sets "test") would make Vite bundle React's development build.
  const env = { ...process.env, NODE_ENV: 'production' };
  const r = spawnSync(process.execPath, [join(root, 'node_modules', 'vite', 'bin', 'vite.js'), 'build', '--logLevel', 'warn', join(root, 'web')], { cwd: root, stdio: 'inherit', env });
  if (r.status !== 0) throw new Error(`portal build failed (exit ${r.status ?? r.signal})`);
}
