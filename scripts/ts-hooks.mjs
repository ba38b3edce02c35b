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
import { transform } from 'esbuild';

const TS_FILE = /\.(?:ts|mts)$/;

export async function load(url, context, nextLoad) {
  if (!url.startsWith('file:') || !TS_FILE.test(url)) return nextLoad(url, context);
  const file = fileURLToPath(url);
  const { code } = await transform(await readFile(file, 'utf8'), {
    loader: 'ts',
    format: 'esm',
    target: `node${process.versions.node}`,
    // Stack traces name the .ts file and line (process.setSourceMapsEnabled in register-ts.mjs).
    sourcemap: 'inline',
    sourcefile: file,
  });
  return { format: 'module', source: code, shortCircuit: true };
}
