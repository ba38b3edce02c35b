// `node scripts/screenshots.mjs`: runs the browser suites with
// SOTTO_SCREENSHOTS_DIR=docs/screenshots, so the README's pictures of the
// portal are the pages the tests just drove (1280x800, the viewport only).
// Commit the PNGs it writes.
import { spawnSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const r = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', 'test/e2e/'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, SOTTO_SCREENSHOTS_DIR: join(root, 'docs', 'screenshots') },
});
process.exit(r.status ?? 1);
