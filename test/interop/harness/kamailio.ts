// Kamailio, the reference registrar: started in the foreground on a free
// loopback port with a generated config (bench/peers/kamailio.cfg.tmpl) and a
// db_text subscriber table, so sipp scenarios and baresip can be proven
// against a registrar known to be right before they are pointed at Sotto.
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import SQLite from 'better-sqlite3';
import { selfSignedCertificate } from './certificate.ts';
import { PeerProcess, PeerTimeoutError } from './child.ts';
import { freeSipPort, LOOPBACK } from './ports.ts';
import { waitForSip } from './sip-probe.ts';
import type { SipCredentials } from './sipp.ts';

export const KAMAILIO_TEMPLATE = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'bench', 'peers', 'kamailio.cfg.tmpl');

export interface KamailioOptions {
  users: readonly SipCredentials[];
  /** Default: a free port (UDP and TCP). */
  port?: number;
  /** Worker processes per transport; 1 for a one-core comparison. Default 2. */
  children?: number;
  /** Kamailio log level (-5..3); default 1 (notices and worse). */
  debug?: number;
  /** Shared memory in MiB; default 64. */
  sharedMemoryMb?: number;
  startTimeoutMs?: number;
  /** Killed after this long whatever happens; default 10 minutes. */
  maxLifetimeMs?: number;
  /** Also listen for TLS (TLS 1.2+) on a free port, with a fresh self-signed certificate for 127.0.0.1. */
  tls?: boolean;
  /**
   * Where bindings live: 'memory' (usrloc db_mode 0, the default) or
   * 'sqlite' (db_mode 1: each change written through to a SQLite location
   * table, in WAL mode, before the reply; needs kamailio-sqlite-modules).
   */
  locationDb?: 'memory' | 'sqlite';
  /**
   * With `locationDb: 'sqlite'`: false runs Kamailio under libeatmydata
   * (Debian package eatmydata), which turns fsync into a no-op. A commit
   * then reaches the OS (it survives a crash of the process, not a power
   * loss), which is what SQLite's synchronous=NORMAL gives in WAL mode and
   * what db_sqlite, which sets no synchronous level, cannot be told to do.
   * Default true.
   */
  fsync?: boolean;
}

const EATMYDATA = ['/usr/lib/x86_64-linux-gnu/libeatmydata.so', '/usr/lib/aarch64-linux-gnu/libeatmydata.so', '/usr/lib/libeatmydata.so'];

/** The fsync-skipping preload library, when installed. */
export function eatmydataLibrary(): string | undefined {
  return EATMYDATA.find((f) => existsSync(f));
}

/** The SQLite file behind Kamailio's location table and the settings its connection runs with. */
export interface KamailioLocationDb {
  file: string;
  /** As the file reports it (WAL persists in the file). */
  journalMode: string;
  /** False when run under libeatmydata: fsync does nothing. */
  fsync: boolean;
  /**
   * PRAGMA synchronous of a fresh connection through the same libsqlite3
   * (db_sqlite sets none): 0 OFF, 1 NORMAL, 2 FULL, 3 EXTRA. Undefined when
   * the sqlite3 command-line tool is not there to ask.
   */
  synchronous: number | undefined;
}

export interface KamailioServer {
  host: string;
  port: number;
  /** "127.0.0.1:port", as runSipp wants it. */
  target: string;
  /** TLS listener, when started with `tls: true`. */
  tls: { port: number; target: string; caFile: string } | undefined;
  /** The main process; its workers are its children. */
  pid: number;
  /** Set when bindings are written through to SQLite (`locationDb: 'sqlite'`). */
  locationDb: KamailioLocationDb | undefined;
  /** Kamailio's log so far. */
  readonly output: string;
  stop(): Promise<void>;
}

export function kamailioAvailable(): boolean {
  return existsSync('/usr/sbin/kamailio') && findModulesDir() !== undefined;
}

/** Whether Kamailio's TLS module (Debian package kamailio-tls-modules) is there. */
export function kamailioTlsAvailable(): boolean {
  const dir = findModulesDir();
  return dir !== undefined && existsSync(join(dir, 'tls.so'));
}

/** Whether Kamailio's SQLite driver (Debian package kamailio-sqlite-modules) is there. */
export function kamailioSqliteAvailable(): boolean {
  const dir = findModulesDir();
  return dir !== undefined && existsSync(join(dir, 'db_sqlite.so')) && existsSync(join(KAMAILIO_SQLITE_SCHEMA, 'usrloc-create.sql'));
}

/** The table definitions the Debian package ships for db_sqlite. */
const KAMAILIO_SQLITE_SCHEMA = '/usr/share/kamailio/db_sqlite';

/**
 * An empty location table (and the version table usrloc checks) in a new
 * SQLite file, from the package's own schema, in WAL mode like Sotto's.
 */
function createLocationDb(file: string): void {
  const schema = ['standard-create.sql', 'usrloc-create.sql'].map((f) => readFileSync(join(KAMAILIO_SQLITE_SCHEMA, f), 'utf8')).join('\n');
  const db = new SQLite(file);
  try {
    db.pragma('journal_mode = WAL');
    db.exec(schema);
  } finally {
    db.close();
  }
}

/** Journal mode and default synchronous level as Kamailio's own libsqlite3 sees the file. */
function describeLocationDb(file: string): KamailioLocationDb {
  const ask = spawnSync('sqlite3', [file, 'PRAGMA journal_mode;', 'PRAGMA synchronous;'], { encoding: 'utf8', timeout: 5000 });
  const [journal, sync] = ask.status === 0 ? ask.stdout.trim().split('\n') : [];
  const header = readFileSync(file).subarray(18, 20);
  // File format bytes 18-19: 2 and 2 mean WAL, 1 and 1 a rollback journal.
  const journalMode = journal ?? (header[0] === 2 && header[1] === 2 ? 'wal' : 'rollback journal');
  return { file, journalMode, fsync: true, synchronous: sync !== undefined && /^\d$/.test(sync) ? Number(sync) : undefined };
}

function findModulesDir(): string | undefined {
  const candidates = ['/usr/lib/kamailio/modules'];
  try {
    for (const multiarch of readdirSync('/usr/lib')) candidates.push(`/usr/lib/${multiarch}/kamailio/modules`);
  } catch {
    // no /usr/lib: nothing to find
  }
  return candidates.find((d) => existsSync(join(d, 'auth_db.so')) && existsSync(join(d, 'db_text.so')));
}

const md5 = (s: string): string => createHash('md5').update(s).digest('hex');

/** db_text separates columns with ':'; keep values to plain SIP-ish tokens. */
const DBTEXT_SAFE = /^[A-Za-z0-9._~!$&'()*+,=@%-]+$/;

/** The subscriber table with HA1 and HA1B (RFC 2617 3.2.2.2), no plaintext. */
export function subscriberTable(users: readonly SipCredentials[]): string {
  const rows = users.map((u, i) => {
    for (const v of [u.username, u.domain, u.password]) {
      if (!DBTEXT_SAFE.test(v)) throw new Error('credential has a character this db_text table cannot carry');
    }
    const ha1 = md5(`${u.username}:${u.domain}:${u.password}`);
    const ha1b = md5(`${u.username}@${u.domain}:${u.domain}:${u.password}`);
    // The password column stays empty: only hashes are stored.
    return `${i + 1}:${u.username}:${u.domain}::${ha1}:${ha1b}`;
  });
  return `id(int,auto) username(string) domain(string) password(string,null) ha1(string) ha1b(string)\n${rows.join('\n')}\n`;
}

const VERSION_TABLE = 'id(int,auto) table_name(string) table_version(int)\n1:version:1\n2:subscriber:7\n3:location:9\n';

export function kamailioConfig(values: Record<string, string | number>): string {
  const template = readFileSync(KAMAILIO_TEMPLATE, 'utf8');
  return template.replace(/\{\{([A-Z_]+)\}\}/g, (whole, name: string) => {
    const v = values[name];
    if (v === undefined) throw new Error(`kamailio template: no value for ${whole}`);
    return String(v);
  });
}

export async function startKamailio(options: KamailioOptions): Promise<KamailioServer> {
  const modulesDir = findModulesDir();
  if (!existsSync('/usr/sbin/kamailio') || !modulesDir) throw new Error('kamailio is not installed (apt-get install kamailio)');
  const port = options.port ?? (await freeSipPort());
  const dir = mkdtempSync(join(tmpdir(), 'sotto-kamailio-'));
  const dbDir = join(dir, 'db');
  mkdirSync(dbDir);
  writeFileSync(join(dbDir, 'version'), VERSION_TABLE);
  writeFileSync(join(dbDir, 'subscriber'), subscriberTable(options.users), { mode: 0o600 });
  let tls: KamailioServer['tls'];
  let tlsListen = '';
  let tlsModule = '';
  if (options.tls) {
    const cert = selfSignedCertificate(dir);
    const tlsPort = await freeSipPort();
    const tlsCfg = join(dir, 'tls.cfg');
    // Clients are phones without certificates: the server does not ask for one.
    writeFileSync(
      tlsCfg,
      [
        '[server:default]',
        'method = TLSv1.2+',
        'verify_certificate = no',
        'require_certificate = no',
        `private_key = ${cert.keyFile}`,
        `certificate = ${cert.certFile}`,
        '',
        '[client:default]',
        'method = TLSv1.2+',
        'verify_certificate = no',
        'require_certificate = no',
        '',
      ].join('\n'),
    );
    tlsListen = `listen=tls:${LOOPBACK}:${tlsPort}\nenable_tls=yes`;
    tlsModule = `loadmodule "tls.so"\nmodparam("tls", "config", "${tlsCfg}")`;
    tls = { port: tlsPort, target: `${LOOPBACK}:${tlsPort}`, caFile: cert.certFile };
  }
  let locationDb: KamailioLocationDb | undefined;
  let locationModule = '';
  let locationParams = '';
  if (options.locationDb === 'sqlite') {
    if (!kamailioSqliteAvailable()) throw new Error('kamailio db_sqlite is not installed (apt-get install kamailio-sqlite-modules)');
    const file = join(dir, 'location.sqlite');
    createLocationDb(file);
    locationModule = 'loadmodule "db_sqlite.so"';
    locationParams = [`modparam("usrloc", "db_url", "sqlite://${file}")`, `modparam("db_sqlite", "db_set_journal_mode", "${file}=WAL")`].join('\n');
    locationDb = describeLocationDb(file);
  }
  let preload: string | undefined;
  if (locationDb && options.fsync === false) {
    preload = eatmydataLibrary();
    if (!preload) throw new Error('libeatmydata is not installed (apt-get install eatmydata)');
    locationDb = { ...locationDb, fsync: false };
  }
  const cfg = join(dir, 'kamailio.cfg');
  writeFileSync(
    cfg,
    kamailioConfig({
      HOST: LOOPBACK,
      PORT: port,
      CHILDREN: options.children ?? 2,
      DEBUG: options.debug ?? 1,
      DB_DIR: dbDir,
      MODULES_DIR: modulesDir,
      TLS_LISTEN: tlsListen,
      TLS_MODULE: tlsModule,
      USRLOC_DB_MODE: options.locationDb === 'sqlite' ? 1 : 0,
      LOCATION_DB_MODULE: locationModule,
      LOCATION_DB_PARAMS: locationParams,
    }),
  );
  const mem = String(options.sharedMemoryMb ?? 64);
  // -DD: stay in the foreground but still fork workers; -E: log to stderr.
  const proc = new PeerProcess('kamailio', '/usr/sbin/kamailio', ['-f', cfg, '-DD', '-E', '-m', mem, '-M', '8', '-Y', dir], {
    cwd: dir,
    ...(preload ? { env: { ...process.env, LD_PRELOAD: preload } } : {}),
    maxLifetimeMs: options.maxLifetimeMs ?? 10 * 60_000,
  });
  const cleanup = async (): Promise<void> => {
    await proc.stop('SIGTERM', 3000);
    rmSync(dir, { recursive: true, force: true });
  };
  const startTimeout = options.startTimeoutMs ?? 10_000;
  const ready = await Promise.race([waitForSip(LOOPBACK, port, startTimeout), proc.exited.then(() => false)]);
  if (!ready || proc.pid === undefined) {
    const out = proc.output;
    await cleanup();
    throw new PeerTimeoutError('kamailio did not answer OPTIONS', startTimeout, out);
  }
  return {
    host: LOOPBACK,
    port,
    target: `${LOOPBACK}:${port}`,
    tls,
    pid: proc.pid,
    locationDb,
    get output() {
      return proc.output;
    },
    stop: cleanup,
  };
}
