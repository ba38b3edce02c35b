// `npm run bench -- NAME [args]` runs bench/NAME.ts with the module hooks
// `sotto` itself runs under (scripts/ts-hooks.mjs), so an in-process bench
// measures the code as production runs it. Without a name it lists them.
import { spawnSync } from 'node:child_process';
import { existsSync, readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const benches = readdirSync(join(root, 'bench'))
  .filter((f) => f.endsWith('.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const [name, ...args] = process.argv.slice(2);
if (!name) {
  process.stdout.write(`usage: npm run bench -- NAME [args]\nbenches: ${benches.join(', ')}\n`);
  process.exit(0);
}
const file = join(root, 'bench', `${name.replace(/\.ts$/, '')}.ts`);
if (!existsSync(file)) {
  process.stderr.write(`UNKNOWN_BENCH: no bench named ${name} (benches: ${benches.join(', ')})\n`);
  process.exit(2);
}
const hooks = pathToFileURL(join(root, 'scripts', 'register-ts.mjs')).href;
const r = spawnSync(process.execPath, ['--import', hooks, file, ...args], { stdio: 'inherit', cwd: root });
process.exit(r.status ?? 1);
