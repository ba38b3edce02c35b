// The `sotto` command's TypeScript, bundled into one JavaScript module that
// Node loads without module hooks, and rebuilt whenever a source changes.
//
// Why: under module hooks (ts-hooks.mjs) every module Node loads, a
// dependency's file as much as Sotto's own, is a round trip to the hooks'
// thread, about 2.4 ms each on this project's CI host. `sotto --help` loaded
// some 880 modules (kysely's ESM build alone is 263 files) and took 2.7 s
// before printing a line; every operator command paid that, and so did each
// CLI test. One bundle of Sotto's own files, its dependencies left as
// imports Node resolves as usual, loads in a fraction of that.
//
// There is still no build step to remember: like the portal (web/build.mjs)
// the bundle is made on demand, under node_modules/.cache, and a manifest of
// the size and modification time of every file that went into it says when
// it is stale. If it cannot be made (a read-only install, a syntax error
// being edited), the caller falls back to the hooks, which report the
// error against the source as before.
import { createHash } from 'node:crypto';
import { mkdirSync, readFileSync, readdirSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { basename, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

const ENTRY = 'src/cli/main.ts';
const MANIFEST = 'manifest.json';
/** This file: a change to how the bundle is made makes a new one. */
const RECIPE = fileURLToPath(import.meta.url);
/** Files of earlier builds are removed once this old: a CLI started just before a rebuild may still be loading them. */
const STALE_BUNDLE_AGE_MS = 10 * 60_000;

/** Where one checkout's bundle lives: worktrees sharing a node_modules each get their own. */
function cacheDir(root) {
  const key = createHash('sha256').update(root).digest('hex').slice(0, 16);
  return join(root, 'node_modules', '.cache', 'sotto-cli', key);
}

function stamp(path) {
  const s = statSync(path);
  return `${s.size}:${s.mtimeMs}`;
}

/** The manifest's bundle when every input still has the size and time it had when it was read. */
function freshBundle(dir, esbuildVersion) {
  let manifest;
  try {
    manifest = JSON.parse(readFileSync(join(dir, MANIFEST), 'utf8'));
  } catch {
    return undefined;
  }
  if (manifest.esbuild !== esbuildVersion || manifest.node !== process.version || manifest.recipe !== stamp(RECIPE)) return undefined;
  try {
    for (const [path, seen] of Object.entries(manifest.inputs)) if (stamp(path) !== seen) return undefined;
  } catch {
    return undefined; // an input was deleted or renamed
  }
  return join(dir, manifest.bundle);
}

/**
 * Each TypeScript file is read with its stamp taken first, so an edit made
 * while the bundle is built leaves a manifest that is already stale rather
 * than a bundle that looks current. `import.meta.url` is replaced by the
 * file's own URL: Sotto finds its data files, the portal and the media
 * worker relative to the source file that names them, not to the bundle.
 */
function sourcePlugin(inputs) {
  return {
    name: 'sotto-source',
    setup(build) {
      build.onLoad({ filter: /\.(?:ts|mts)$/ }, (args) => {
        inputs[args.path] = stamp(args.path);
        const source = readFileSync(args.path, 'utf8');
        return { contents: source.replaceAll('import.meta.url', JSON.stringify(pathToFileURL(args.path).href)), loader: 'ts' };
      });
    },
  };
}

async function build(root, dir) {
  const esbuild = await import('esbuild');
  const inputs = {};
  const result = await esbuild
    .build({
      absWorkingDir: root,
      entryPoints: [ENTRY],
      bundle: true,
      write: false,
      platform: 'node',
      format: 'esm',
      target: `node${process.versions.node}`,
      // npm packages stay imports, resolved from the project's node_modules as
      // before: native addons and packages that find their own files need that.
      packages: 'external',
      sourcemap: 'linked',
      sourcesContent: false,
      // Each command's module (src/cli/main.ts imports them when they run) is
      // a chunk of its own, loaded only by the command that needs it.
      splitting: true,
      outdir: dir,
      entryNames: 'cli-[hash]',
      chunkNames: 'chunk-[hash]',
      outExtension: { '.js': '.mjs' },
      metafile: true,
      plugins: [sourcePlugin(inputs)],
      logLevel: 'silent',
    })
    .finally(() => esbuild.stop());
  mkdirSync(dir, { recursive: true });
  // Chunks are named by their content, so a file of the same name is the
  // same code: each is written under a temporary name and renamed, and a CLI
  // started meanwhile loads the old set or the new, never half a file. The
  // manifest, which names the entry, is renamed into place last.
  for (const file of result.outputFiles) {
    const temporary = `${file.path}.${process.pid}.tmp`;
    writeFileSync(temporary, file.contents);
    renameSync(temporary, file.path);
  }
  // The metafile names files relative to the project root; a command's chunk names its module as an entry point too.
  const [entry] = Object.entries(result.metafile.outputs).find(([, output]) => output.entryPoint === ENTRY);
  const bundle = resolve(root, entry);
  const temporary = join(dir, `${MANIFEST}.${process.pid}.tmp`);
  writeFileSync(temporary, JSON.stringify({ esbuild: esbuild.version, node: process.version, recipe: stamp(RECIPE), bundle: basename(bundle), inputs }));
  renameSync(temporary, join(dir, MANIFEST));
  pruneOldBundles(dir, new Set(result.outputFiles.map((f) => basename(f.path))));
  return bundle;
}

function pruneOldBundles(dir, current) {
  const now = Date.now();
  for (const name of readdirSync(dir)) {
    if (name === MANIFEST || current.has(name)) continue;
    try {
      if (now - statSync(join(dir, name)).mtimeMs > STALE_BUNDLE_AGE_MS) unlinkSync(join(dir, name));
    } catch {
      // another CLI pruned it first
    }
  }
}

/** A current bundle of the CLI, built if need be; undefined when none can be made. */
export async function ensureCliBundle(root) {
  const dir = cacheDir(root);
  try {
    const esbuildVersion = JSON.parse(readFileSync(join(root, 'node_modules', 'esbuild', 'package.json'), 'utf8')).version;
    return freshBundle(dir, esbuildVersion) ?? (await build(root, dir));
  } catch {
    return undefined;
  }
}
