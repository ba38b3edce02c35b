// `npm test`: installs what the suites need, type-checks, then runs every suite.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { ensurePortalBuilt } from '../web/build.mjs';
import { ensureDebianPackages, ensureNodeModules } from './ensure-deps.mjs';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
ensureNodeModules(root);
ensureDebianPackages();

function run(cmd, args) {
  const r = spawnSync(cmd, args, { cwd: root, stdio: 'inherit', env: process.env });
  if (r.status !== 0) {
    process.stderr.write(`sotto test: ${cmd} ${args.join(' ')} failed (exit ${r.status ?? r.signal})\n`);
    process.exit(r.status ?? 1);
  }
}

run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'tsconfig.json']);
run(process.execPath, [join(root, 'node_modules/typescript/bin/tsc'), '--noEmit', '-p', 'web/tsconfig.json']);
ensurePortalBuilt(root);
const report = join(root, '.test-tmp', 'vitest.json');
mkdirSync(dirname(report), { recursive: true });
const r = spawnSync(process.execPath, [join(root, 'node_modules/vitest/vitest.mjs'), 'run', '--reporter=default', '--reporter=json', `--outputFile.json=${report}`, ...process.argv.slice(2)], {
  cwd: root,
  stdio: 'inherit',
  env: process.env,
});
// One plain closing line that any CI reads the same way.
try {
  const j = JSON.parse(readFileSync(report, 'utf8'));
  // A suite can fail outside any test (a hook, an import): count it as a failure.
  const failed = j.numFailedTests > 0 ? j.numFailedTests : r.status !== 0 ? Math.max(1, j.numFailedTestSuites) : 0;
  process.stdout.write(`\ntests: ${j.numPassedTests} passed, ${failed} failed, ${j.numPendingTests + j.numTodoTests} skipped\n`);
} catch {
  process.stdout.write('\ntests: no report written\n');
}
process.exit(r.status ?? 1);
