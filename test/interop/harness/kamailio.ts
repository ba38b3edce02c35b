// Kamailio, the reference registrar: started in the foreground on a free
// loopback port with a generated config (bench/peers/kamailio.cfg.tmpl) and a
// db_text subscriber table, so sipp scenarios and baresip can be proven
// against a registrar known to be right before they are pointed at Sotto.
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
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
    }),
  );
  const mem = String(options.sharedMemoryMb ?? 64);
  // -DD: stay in the foreground but still fork workers; -E: log to stderr.
  const proc = new PeerProcess('kamailio', '/usr/sbin/kamailio', ['-f', cfg, '-DD', '-E', '-m', mem, '-M', '8', '-Y', dir], {
    cwd: dir,
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
    get output() {
      return proc.output;
    },
    stop: cleanup,
  };
}
