// Module hooks that let Node run Sotto's TypeScript as it is, with no build
// step: each .ts file is stripped to JavaScript by esbuild as it is loaded.
// Registered by scripts/register-ts.mjs (bin/sotto.mjs, the media worker).
//
// Why not tsx's loader, which Sotto used before: tsx always transforms with
// esbuild's keepNames, which wraps every named closure in a __name() call
// that runs Object.defineProperty each time the closure is made. On the SIP
// path that was one property definition per datagram received and several
// per call (3.9 % of the CPU of an OPTIONS answered, in a perf profile).
// Without minifying, esbuild keeps every name as written, so keepNames buys
// nothing here. Only transforming is done: imports name their files with
// their extensions (tsconfig: NodeNext, allowImportingTsExtensions), so
// Node's own resolution finds them.
import { readFile } from 'node:fs/promises';
import { fileURLToPath } from 'node:url';
import { stop, transform } from 'esbuild';

const TS_FILE = /\.(?:ts|mts)$/;

// esbuild transforms in a child process of its own (about 12 MB), one per
// thread that registers these hooks: the main thread and each media worker.
// Once nothing has been loaded for a while it is stopped; an import made
// later (a lazily loaded module) starts it again.
const IDLE_STOP_MS = 2000;
let idle;
function stopWhenIdle() {
  clearTimeout(idle);
  idle = setTimeout(() => void stop(), IDLE_STOP_MS);
  idle.unref();
}

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TS_FILE.test(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const { code } = await transform(await readFile(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    // Stack traces name the .ts file and line (process.setSourceMapsEnabled in register-ts.mjs).
    sourcemap: 'inline',
    // The mappings only: the .ts files are on disk, and a copy of every one in memory would outlive start-up.
    sourcesContent: false,
    sourcefile: file,
  });
  stopWhenIdle();
  return { format: 'module', source: code, shortCircuit: true };
}
