// Configuration from the environment and an optional JSON file
// (SOTTO_CONFIG_FILE). The environment wins over the file. Every value is
// validated at start; a bad one stops Sotto with a message naming it.
import { existsSync, readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import { isAbsolute, join, resolve } from 'node:path';

export interface SottoConfig {
  dataDir: string;
  bind: string;
  httpPort: number;
  sipPort: number;
  sipTlsPort: number;
  rtpPorts: { min: number; max: number };
  publicUrl: string;
  /** Whether SOTTO_PUBLIC_URL was given (else publicUrl is localhost on the HTTP port). */
  publicUrlSet: boolean;
  database: { kind: 'sqlite'; path: string } | { kind: 'postgres'; url: string };
  smtpUrl: string | undefined;
  /** From header of notices (SOTTO_SMTP_FROM); default sotto@<public host>. */
  smtpFrom: string;
  /** PEM CA file that replaces the default trust store for SMTP (SOTTO_SMTP_CA_FILE). */
  smtpCaFile: string | undefined;
  /** Longest voicemail message, seconds (SOTTO_VOICEMAIL_MAX_SECONDS, 10..900, default 180). */
  voicemailMaxSeconds: number;
  masterKeyFile: string;
  sipDomain: string | undefined;
  sipTlsCertFile: string | undefined;
  sipTlsKeyFile: string | undefined;
  /**
   * Host or IP written in Via sent-by and Contact (SOTTO_SIP_ADVERTISE): a
   * multi-homed server's or a 1:1 NAT's address. Unset: the bound address,
   * or when bound to all interfaces, the interface facing each peer.
   */
  sipAdvertise: string | undefined;
  /** IP written in SDP c=/o= for the media relay (SOTTO_RTP_ADVERTISE); unset: as for SIP. */
  rtpAdvertise: string | undefined;
  /** PEM file of CAs trusted for phones' TLS certificates, on top of the public store (SOTTO_SIP_TLS_PHONE_CA). */
  sipTlsPhoneCaFile: string | undefined;
  logLevel: 'fatal' | 'error' | 'warn' | 'info' | 'debug' | 'trace' | 'silent';
  /** Portal idle logoff, 5 to 30 minutes (HIPAA 164.312(a)(2)(iii) automatic logoff). */
  sessionIdleMinutes: number;
  /** The SOTTO_TRANSCRIBE_* settings, checked; src/app/transcription.ts turns them into an engine's options. */
  transcribe: TranscribeSettings;
}

export interface TranscribeSettings {
  readonly engine: 'pocketsphinx' | 'whisper.cpp';
  readonly model?: string;
  readonly binary?: string;
  readonly cacheDir?: string;
  readonly concurrency?: number;
}

export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(
    readonly variable: string,
    message: string,
  ) {
    super(`${variable}: ${message}`);
    this.name = 'ConfigError';
  }
}

type Source = Record<string, string | undefined>;

const KNOWN = [
  'SOTTO_CONFIG_FILE',
  'SOTTO_DATA_DIR',
  'SOTTO_BIND',
  'SOTTO_HTTP_PORT',
  'SOTTO_SIP_PORT',
  'SOTTO_SIP_TLS_PORT',
  'SOTTO_RTP_PORTS',
  'SOTTO_PUBLIC_URL',
  'SOTTO_DATABASE_URL',
  'SOTTO_SMTP_URL',
  'SOTTO_SMTP_FROM',
  'SOTTO_SMTP_CA_FILE',
  'SOTTO_VOICEMAIL_MAX_SECONDS',
  'SOTTO_MASTER_KEY_FILE',
  'SOTTO_SIP_DOMAIN',
  'SOTTO_SIP_TLS_CERT',
  'SOTTO_SIP_TLS_KEY',
  'SOTTO_SIP_TLS_PHONE_CA',
  'SOTTO_SIP_ADVERTISE',
  'SOTTO_RTP_ADVERTISE',
  'SOTTO_LOG_LEVEL',
  'SOTTO_SESSION_IDLE_MINUTES',
  'SOTTO_TRANSCRIBE_ENGINE',
  'SOTTO_TRANSCRIBE_MODEL',
  'SOTTO_TRANSCRIBE_BINARY',
  'SOTTO_TRANSCRIBE_CACHE_DIR',
  'SOTTO_TRANSCRIBE_CONCURRENCY',
] as const;

function port(src: Source, name: string, fallback: number): number {
  const raw = src[name];
  if (raw === undefined || raw === '') return fallback;
  if (!/^\d{1,5}$/.test(raw)) throw new ConfigError(name, `must be a port number (0-65535), got "${raw}"`);
  const n = Number(raw);
  if (n > 65535) throw new ConfigError(name, `must be a port number (0-65535), got ${n}`);
  return n;
}

function portRange(src: Source, name: string): { min: number; max: number } {
  const raw = src[name] ?? '20000-20999';
  const m = /^(\d{1,5})-(\d{1,5})$/.exec(raw);
  const min = Number(m?.[1]);
  const max = Number(m?.[2]);
  if (!m || min < 1024 || max > 65535 || min >= max || min % 2 !== 0) {
    throw new ConfigError(name, `must be an even-start port range like 20000-20999 within 1024-65535, got "${raw}"`);
  }
  return { min, max };
}

function url(src: Source, name: string, protocols: string[]): URL | undefined {
  const raw = src[name];
  if (raw === undefined || raw === '') return undefined;
  let parsed: URL;
  try {
    parsed = new URL(raw);
  } catch {
    // The value may hold a password: never echo it back.
    throw new ConfigError(name, `is not a valid URL (expected ${protocols.join(' or ')}…)`);
  }
  if (!protocols.includes(parsed.protocol)) {
    throw new ConfigError(name, `must use ${protocols.join(' or ')}, got ${parsed.protocol}`);
  }
  return parsed;
}

function readFileSource(path: string): Source {
  let text: string;
  try {
    text = readFileSync(path, 'utf8');
  } catch (e) {
    throw new ConfigError('SOTTO_CONFIG_FILE', `cannot read ${path}: ${(e as NodeJS.ErrnoException).code ?? 'error'}`);
  }
  let json: unknown;
  try {
    json = JSON.parse(text);
  } catch {
    throw new ConfigError('SOTTO_CONFIG_FILE', `${path} is not valid JSON`);
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json)) {
    throw new ConfigError('SOTTO_CONFIG_FILE', `${path} must hold a JSON object of SOTTO_* settings`);
  }
  const out: Source = {};
  for (const [k, v] of Object.entries(json)) {
    if (!(KNOWN as readonly string[]).includes(k)) throw new ConfigError('SOTTO_CONFIG_FILE', `${path}: unknown setting ${k}`);
    if (typeof v !== 'string' && typeof v !== 'number') throw new ConfigError(k, `in ${path} must be a string or number`);
    out[k] = String(v);
  }
  return out;
}

export function loadConfig(env: Source = process.env, cwd: string = process.cwd()): SottoConfig {
  const fileSource = env.SOTTO_CONFIG_FILE ? readFileSource(resolve(cwd, env.SOTTO_CONFIG_FILE)) : {};
  const src: Source = { ...fileSource };
  for (const k of KNOWN) if (env[k] !== undefined && env[k] !== '') src[k] = env[k];

  const dataDir = resolve(cwd, src.SOTTO_DATA_DIR ?? 'data');
  const bind = src.SOTTO_BIND ?? '0.0.0.0';
  if (isIP(bind) === 0) throw new ConfigError('SOTTO_BIND', `must be an IP address of this machine (or 0.0.0.0 for all), got "${bind}"`);
  const httpPort = port(src, 'SOTTO_HTTP_PORT', 8080);
  const sipPort = port(src, 'SOTTO_SIP_PORT', 5060);
  const sipTlsPort = port(src, 'SOTTO_SIP_TLS_PORT', 5061);
  const rtpPorts = portRange(src, 'SOTTO_RTP_PORTS');

  const publicUrl = url(src, 'SOTTO_PUBLIC_URL', ['http:', 'https:']);
  const dbUrl = url(src, 'SOTTO_DATABASE_URL', ['postgres:', 'postgresql:', 'sqlite:']);
  let database: SottoConfig['database'];
  if (!dbUrl) database = { kind: 'sqlite', path: join(dataDir, 'sotto.db') };
  else if (dbUrl.protocol === 'sqlite:') {
    const p = decodeURIComponent(dbUrl.pathname);
    database = { kind: 'sqlite', path: isAbsolute(p) ? p : resolve(cwd, p) };
  } else database = { kind: 'postgres', url: dbUrl.toString() };

  // A URL without a server would be accepted here and fail only at the first notice.
  const smtp = url(src, 'SOTTO_SMTP_URL', ['smtp:', 'smtps:']);
  if (smtp !== undefined && smtp.hostname === '') throw new ConfigError('SOTTO_SMTP_URL', 'names no server (expected smtp://user:pass@host:587 or smtps://…:465)');
  // Email links are <public URL>/voicemails/<id>: a query or fragment would break every one of them.
  if (publicUrl !== undefined && (publicUrl.search !== '' || publicUrl.hash !== '')) {
    throw new ConfigError('SOTTO_PUBLIC_URL', 'must be the address staff open, without ?query or #fragment (e.g. https://pbx.example.com)');
  }
  const smtpFrom = src.SOTTO_SMTP_FROM;
  if (smtpFrom !== undefined && !isMailbox(smtpFrom)) {
    throw new ConfigError('SOTTO_SMTP_FROM', 'must be an email address, optionally with a name: "Maple Dental <pbx@maple.example>"');
  }
  const logLevel = (src.SOTTO_LOG_LEVEL ?? 'info') as SottoConfig['logLevel'];
  if (!['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'].includes(logLevel)) {
    throw new ConfigError('SOTTO_LOG_LEVEL', `must be one of fatal, error, warn, info, debug, trace, silent`);
  }
  const idleRaw = src.SOTTO_SESSION_IDLE_MINUTES ?? '15';
  const sessionIdleMinutes = Number(idleRaw);
  if (!/^\d{1,2}$/.test(idleRaw) || sessionIdleMinutes < 5 || sessionIdleMinutes > 30) {
    throw new ConfigError('SOTTO_SESSION_IDLE_MINUTES', `must be a whole number of minutes from 5 to 30, got "${idleRaw}"`);
  }
  const sipDomain = src.SOTTO_SIP_DOMAIN;
  if (sipDomain !== undefined && !/^[A-Za-z0-9.-]{1,253}$/.test(sipDomain)) {
    throw new ConfigError('SOTTO_SIP_DOMAIN', 'must be a host name or IP address');
  }

  const smtpCaFile = src.SOTTO_SMTP_CA_FILE ? resolve(cwd, src.SOTTO_SMTP_CA_FILE) : undefined;
  if (smtpCaFile !== undefined && !existsSync(smtpCaFile)) throw new ConfigError('SOTTO_SMTP_CA_FILE', `file not found: ${smtpCaFile}`);
  const maxRaw = src.SOTTO_VOICEMAIL_MAX_SECONDS ?? '180';
  const voicemailMaxSeconds = Number(maxRaw);
  if (!/^\d{2,3}$/.test(maxRaw) || voicemailMaxSeconds < 10 || voicemailMaxSeconds > 900) {
    throw new ConfigError('SOTTO_VOICEMAIL_MAX_SECONDS', `must be a whole number of seconds from 10 to 900, got "${maxRaw}"`);
  }

  const sipTlsCertFile = src.SOTTO_SIP_TLS_CERT ? resolve(cwd, src.SOTTO_SIP_TLS_CERT) : undefined;
  const sipTlsKeyFile = src.SOTTO_SIP_TLS_KEY ? resolve(cwd, src.SOTTO_SIP_TLS_KEY) : undefined;
  if ((sipTlsCertFile === undefined) !== (sipTlsKeyFile === undefined)) {
    throw new ConfigError(sipTlsCertFile ? 'SOTTO_SIP_TLS_KEY' : 'SOTTO_SIP_TLS_CERT', 'SOTTO_SIP_TLS_CERT and SOTTO_SIP_TLS_KEY go together');
  }
  for (const [name, file] of [['SOTTO_SIP_TLS_CERT', sipTlsCertFile], ['SOTTO_SIP_TLS_KEY', sipTlsKeyFile]] as const) {
    if (file !== undefined && !existsSync(file)) throw new ConfigError(name, `file not found: ${file}`);
  }

  const sipTlsPhoneCaFile = src.SOTTO_SIP_TLS_PHONE_CA ? resolve(cwd, src.SOTTO_SIP_TLS_PHONE_CA) : undefined;
  if (sipTlsPhoneCaFile !== undefined && !existsSync(sipTlsPhoneCaFile)) throw new ConfigError('SOTTO_SIP_TLS_PHONE_CA', `file not found: ${sipTlsPhoneCaFile}`);
  const { sipAdvertise, rtpAdvertise } = advertisedAddresses(src, bind);

  // One TCP port cannot be both (SIP over TCP shares SOTTO_SIP_PORT with UDP); RTP is UDP beside SIP's UDP.
  const tcp: [string, number][] = [['SOTTO_HTTP_PORT', httpPort], ['SOTTO_SIP_PORT', sipPort], ['SOTTO_SIP_TLS_PORT', sipTlsPort]];
  for (const [i, [name, p]] of tcp.entries()) {
    const clash = tcp.slice(0, i).find(([, q]) => q === p && p !== 0);
    if (clash) throw new ConfigError(name, `is ${p}, the same port as ${clash[0]}: give each its own`);
  }
  if (sipPort !== 0 && sipPort >= rtpPorts.min && sipPort <= rtpPorts.max) {
    throw new ConfigError('SOTTO_RTP_PORTS', `${rtpPorts.min}-${rtpPorts.max} contains SOTTO_SIP_PORT ${sipPort}: choose a range apart from it`);
  }

  return {
    transcribe: transcribeSettings(src, cwd),
    dataDir,
    bind,
    httpPort,
    sipPort,
    sipTlsPort,
    rtpPorts,
    publicUrl: (publicUrl?.toString() ?? `http://localhost:${httpPort}/`).replace(/\/$/, ''),
    publicUrlSet: publicUrl !== undefined,
    database,
    smtpUrl: smtp?.toString(),
    smtpFrom: smtpFrom ?? `"Sotto" <sotto@${publicUrl?.hostname ?? 'localhost'}>`,
    smtpCaFile,
    voicemailMaxSeconds,
    masterKeyFile: resolve(cwd, src.SOTTO_MASTER_KEY_FILE ?? join(dataDir, 'master.key')),
    sipDomain,
    sipTlsCertFile,
    sipTlsKeyFile,
    sipAdvertise,
    rtpAdvertise,
    sipTlsPhoneCaFile,
    logLevel,
    sessionIdleMinutes,
  };
}

/**
 * SOTTO_SIP_ADVERTISE (a host name or IP, no port: the ports are
 * SOTTO_SIP_PORT's and SOTTO_SIP_TLS_PORT's, which a 1:1 NAT keeps) and
 * SOTTO_RTP_ADVERTISE (an IP: phones do not resolve names in SDP c=). An
 * address of the other family than SOTTO_BIND's could never be reached on
 * the sockets Sotto opens, so it is refused here rather than at the first call.
 */
function advertisedAddresses(src: Source, bind: string): { sipAdvertise: string | undefined; rtpAdvertise: string | undefined } {
  const unbracket = (v: string): string => (v.startsWith('[') && v.endsWith(']') ? v.slice(1, -1) : v);
  const sipRaw = src.SOTTO_SIP_ADVERTISE;
  const sipAdvertise = sipRaw === undefined ? undefined : unbracket(sipRaw.trim());
  if (sipAdvertise !== undefined) {
    if (isIP(sipAdvertise) === 0 && !isHostName(sipAdvertise)) {
      throw new ConfigError('SOTTO_SIP_ADVERTISE', `must be a host name or IP address phones can reach, without a port, got "${sipRaw}"`);
    }
    checkAdvertisedIp('SOTTO_SIP_ADVERTISE', sipAdvertise, bind);
  }
  const rtpRaw = src.SOTTO_RTP_ADVERTISE;
  const rtpAdvertise = rtpRaw === undefined ? undefined : unbracket(rtpRaw.trim());
  if (rtpAdvertise !== undefined) {
    if (isIP(rtpAdvertise) === 0) throw new ConfigError('SOTTO_RTP_ADVERTISE', `must be an IP address phones can send media to, got "${rtpRaw}"`);
    checkAdvertisedIp('SOTTO_RTP_ADVERTISE', rtpAdvertise, bind);
  }
  return { sipAdvertise, rtpAdvertise };
}

function checkAdvertisedIp(variable: string, address: string, bind: string): void {
  const family = isIP(address);
  if (family === 0) return;
  if (address === '0.0.0.0' || address === '::' || /^(22[4-9]|23\d)\./.test(address) || address.toLowerCase().startsWith('ff')) {
    throw new ConfigError(variable, `must be one address phones can reach, not a wildcard or multicast address, got "${address}"`);
  }
  // `::` listens on both families; any other bind address on its own.
  if (bind !== '::' && isIP(bind) !== family) {
    throw new ConfigError(variable, `is an IPv${family} address but SOTTO_BIND ${bind} listens on IPv${isIP(bind)} only`);
  }
}

function isHostName(value: string): boolean {
  return value.length <= 253 && /^[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]{0,61}[A-Za-z0-9])?)*$/.test(value);
}

/** `pbx@maple.example` or `Maple Dental <pbx@maple.example>`, on one line (it becomes a mail header). */
function isMailbox(value: string): boolean {
  if (/[\r\n]/.test(value)) return false;
  const m = /^(?:[^<>]*<([^<>]+)>|([^<>]+))$/.exec(value.trim());
  const address = m?.[1] ?? m?.[2];
  return address !== undefined && /^[^\s@<>"]+@[A-Za-z0-9.-]+$/.test(address);
}

function transcribeSettings(src: Source, cwd: string): TranscribeSettings {
  const engine = src.SOTTO_TRANSCRIBE_ENGINE ?? 'pocketsphinx';
  if (engine !== 'pocketsphinx' && engine !== 'whisper.cpp') {
    throw new ConfigError('SOTTO_TRANSCRIBE_ENGINE', `must be pocketsphinx or whisper.cpp, got "${engine}"`);
  }
  // The model is whisper.cpp's: a leftover setting under pocketsphinx is not read, so not checked.
  const model = engine === 'whisper.cpp' && src.SOTTO_TRANSCRIBE_MODEL ? resolve(cwd, src.SOTTO_TRANSCRIBE_MODEL) : undefined;
  if (engine === 'whisper.cpp' && model === undefined) throw new ConfigError('SOTTO_TRANSCRIBE_MODEL', 'names the model file whisper.cpp needs');
  if (model !== undefined && !existsSync(model)) throw new ConfigError('SOTTO_TRANSCRIBE_MODEL', `file not found: ${model}`);
  const rawConcurrency = src.SOTTO_TRANSCRIBE_CONCURRENCY;
  let concurrency: number | undefined;
  if (rawConcurrency !== undefined) {
    concurrency = Number(rawConcurrency);
    if (!/^\d{1,2}$/.test(rawConcurrency) || concurrency < 1 || concurrency > 64) {
      throw new ConfigError('SOTTO_TRANSCRIBE_CONCURRENCY', `must be a whole number of jobs from 1 to 64, got "${rawConcurrency}"`);
    }
  }
  return {
    engine,
    ...(model !== undefined ? { model } : {}),
    ...(src.SOTTO_TRANSCRIBE_BINARY ? { binary: src.SOTTO_TRANSCRIBE_BINARY } : {}),
    ...(src.SOTTO_TRANSCRIBE_CACHE_DIR ? { cacheDir: resolve(cwd, src.SOTTO_TRANSCRIBE_CACHE_DIR) } : {}),
    ...(concurrency !== undefined ? { concurrency } : {}),
  };
}

/**
 * The SIP domain (and digest realm) of a new practice: SOTTO_SIP_DOMAIN, else
 * the host of SOTTO_PUBLIC_URL, which phones on the network can resolve.
 */
export function defaultSipDomain(config: SottoConfig): string {
  return config.sipDomain ?? new URL(config.publicUrl).hostname;
}
