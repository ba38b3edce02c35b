// Installs what Sotto and its test suites need on a fresh Debian 12 machine
// with Node 20: npm packages from the lockfile, and (for tests) the Debian
// packages of the real peers the interop suites drive.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

export function ensureNodeModules(root) {
  if (nodeModulesMatchLockfile(root)) return;
  process.stderr.write('sotto: installing npm dependencies (npm ci)…\n');
  execFileSync('npm', ['ci', '--no-audit', '--no-fund'], { cwd: root, stdio: ['ignore', 'inherit', 'inherit'] });
}

/**
 * True when every package the lockfile names is installed at its version
 * (npm's own record of the tree, node_modules/.package-lock.json). Compared
 * by content, not file times: a checkout or merge touching the lockfile
 * must not wipe a good install.
 */
function nodeModulesMatchLockfile(root) {
  const installedPath = join(root, 'node_modules', '.package-lock.json');
  if (!existsSync(installedPath)) return false;
  try {
    const wanted = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')).packages ?? {};
    const have = JSON.parse(readFileSync(installedPath, 'utf8')).packages ?? {};
    for (const [path, entry] of Object.entries(wanted)) {
      // Optional packages for other platforms (esbuild, rollup binaries) are never installed here.
      if (path === '' || (entry.optional && !have[path])) continue;
      if (have[path]?.version !== entry.version) return false;
    }
    return true;
  } catch {
    return false;
  }
}

/** Debian packages the test suites need, keyed by a file each one installs. */
export const testDebianPackages = [
  // PostgreSQL server: repository and API tests run on it as well as SQLite.
  { pkg: 'postgresql', probe: () => findPgBin('initdb') !== undefined },
  // sox: the G.711 and WAV tests cross-check Sotto's codecs against it.
  { pkg: 'sox', probe: () => existsSync('/usr/bin/sox') },
  // sipp: REGISTER/OPTIONS scenarios driven at Sotto and Kamailio (test/interop, bench/).
  { pkg: 'sip-tester', probe: () => existsSync('/usr/bin/sipp') },
  // baresip: a real softphone registering over UDP and TCP (no sound card needed).
  { pkg: 'baresip-core', probe: () => existsSync('/usr/bin/baresip') },
  // Kamailio: the reference registrar the interop harness is proven against (db_text and auth_db ship in it).
  { pkg: 'kamailio', probe: () => existsSync('/usr/sbin/kamailio') },
  // Kamailio's TLS listener, so baresip's TLS registration is proven too.
  { pkg: 'kamailio-tls-modules', probe: () => ['x86_64-linux-gnu', 'aarch64-linux-gnu'].some((a) => existsSync(`/usr/lib/${a}/kamailio/modules/tls.so`)) },
  // Kamailio's SQLite driver: the benchmark's like-for-like registrar keeps bindings in SQLite, as Sotto does (its harness test proves it).
  { pkg: 'kamailio-sqlite-modules', probe: () => ['x86_64-linux-gnu', 'aarch64-linux-gnu'].some((a) => existsSync(`/usr/lib/${a}/kamailio/modules/db_sqlite.so`)) && existsSync('/usr/share/kamailio/db_sqlite/usrloc-create.sql') },
  // openssl CLI: throwaway self-signed certificates for TLS peers in tests.
  { pkg: 'openssl', probe: () => existsSync('/usr/bin/openssl') },
  // Chromium: the portal's browser tests drive it headless through playwright-core (test/e2e).
  { pkg: 'chromium', probe: () => existsSync('/usr/bin/chromium') },
  // On-box transcription: the decoder, its en-us model, the LM converter.
  { pkg: 'pocketsphinx', probe: () => existsSync('/usr/bin/pocketsphinx_continuous') },
  { pkg: 'pocketsphinx-en-us', probe: () => existsSync('/usr/share/pocketsphinx/model/en-us/en-us/mdef') },
  { pkg: 'sphinxbase-utils', probe: () => existsSync('/usr/bin/sphinx_lm_convert') },
  // Transcription tests synthesise voicemails (festival HTS slt, flite) and send them through G.711 (sox, above).
  { pkg: 'festival', probe: () => existsSync('/usr/bin/text2wave') },
  { pkg: 'festvox-us-slt-hts', probe: () => existsSync('/usr/share/festival/voices/us/cmu_us_slt_arctic_hts') },
  { pkg: 'flite', probe: () => existsSync('/usr/bin/flite') },
  // C compiler and libc headers: the native media relay (native/relay) is built from source at first start.
  { pkg: 'gcc', probe: () => existsSync('/usr/bin/cc') },
  { pkg: 'libc6-dev', probe: () => existsSync('/usr/include/stdio.h') },
];

export function findPgBin(name) {
  for (const version of ['17', '16', '15']) {
    const p = `/usr/lib/postgresql/${version}/bin/${name}`;
    if (existsSync(p)) return p;
  }
  return undefined;
}

export function ensureDebianPackages(packages = testDebianPackages) {
  const missing = packages.filter((p) => !p.probe()).map((p) => p.pkg);
  if (missing.length === 0) return;
  if (process.getuid?.() !== 0) {
    throw new Error(`missing Debian packages: ${missing.join(' ')} (run: sudo apt-get install -y ${missing.join(' ')})`);
  }
  process.stderr.write(`sotto: installing Debian packages: ${missing.join(' ')}…\n`);
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  spawnSync('sh', ['-c', 'echo "wireshark-common wireshark-common/install-setuid boolean false" | debconf-set-selections'], { env, stdio: 'inherit' });
  execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'inherit' });
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...missing], { env, stdio: 'inherit' });
}

export function readJson(path) {
  return JSON.parse(readFileSync(path, 'utf8'));
}
