// Sotto as an operator runs it: `npx sotto demo --json` seeds a demo practice
// into a fresh data dir, `npx sotto start` serves it on loopback with free
// ports. Then one question: does anything answer SIP OPTIONS? Until the SIP
// side lands (issue 3) the answer is no, and callers say "not available yet".
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PROJECT_ROOT } from '../../../src/app/runtime.ts';
import { PeerProcess } from './child.ts';
import { freeSipPort, LOOPBACK } from './ports.ts';
import { waitForSip } from './sip-probe.ts';
import type { SipCredentials } from './sipp.ts';

export interface SottoOptions {
  /** How long to wait for OPTIONS to be answered once the API is up; default 5 s. */
  sipWaitMs?: number;
  /** Killed after this long whatever happens; default 10 minutes. */
  maxLifetimeMs?: number;
}

export interface SottoServer {
  /** "127.0.0.1:port" of its SIP UDP/TCP listener. */
  target: string;
  sipPort: number;
  domain: string;
  /** The demo extensions' SIP credentials. */
  users: SipCredentials[];
  /** Its data dir (the SQLite database is sotto.db in it). */
  dataDir: string;
  /** True when OPTIONS was answered: the SIP side is there. */
  sipAnswering: boolean;
  /** Root of the process tree (npx), for CPU figures. */
  pid: number | undefined;
  readonly output: string;
  stop(): Promise<void>;
}

interface DemoJson {
  sip: { domain: string };
  extensions: Array<{ sipUsername: string; sipPassword: string }>;
}

export class SottoStartError extends Error {
  readonly code = 'SOTTO_START_FAILED';
}

/** A private data dir and free loopback ports for one Sotto, as the environment `sotto demo` and `sotto start` read. */
export async function sottoEnvironment(prefix: string): Promise<{ dataDir: string; sipPort: number; env: NodeJS.ProcessEnv }> {
  const dataDir = mkdtempSync(join(tmpdir(), prefix));
  const sipPort = await freeSipPort();
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    SOTTO_DATA_DIR: dataDir,
    SOTTO_BIND: LOOPBACK,
    SOTTO_SIP_PORT: String(sipPort),
    SOTTO_SIP_TLS_PORT: String(await freeSipPort()),
    SOTTO_HTTP_PORT: String(await freeSipPort()),
  };
  return { dataDir, sipPort, env };
}

/** The SIP domain and accounts `sotto demo --json` printed (its output may carry log lines around the JSON). */
export function demoSipUsers(output: string): { domain: string; users: SipCredentials[] } {
  const parsed = JSON.parse(output.slice(output.indexOf('{'), output.lastIndexOf('}') + 1)) as DemoJson;
  const domain = parsed.sip.domain;
  return { domain, users: parsed.extensions.map((e) => ({ username: e.sipUsername, password: e.sipPassword, domain })) };
}

export async function startSotto(options: SottoOptions = {}): Promise<SottoServer> {
  const { dataDir, sipPort, env } = await sottoEnvironment('sotto-interop-');
  const removeData = (): void => rmSync(dataDir, { recursive: true, force: true });

  const demo = new PeerProcess('sotto demo', 'npx', ['sotto', 'demo', '--json'], { cwd: PROJECT_ROOT, env, maxLifetimeMs: 120_000 });
  const demoExit = await demo.exited;
  let demoUsers: { domain: string; users: SipCredentials[] };
  try {
    if (demoExit.code !== 0) throw new Error(`exit ${demoExit.code}`);
    demoUsers = demoSipUsers(demo.output);
  } catch (err) {
    removeData();
    throw new SottoStartError(`sotto demo failed (${(err as Error).message}):\n${demo.output.slice(-3000)}`);
  }

  const proc = new PeerProcess('sotto start', 'npx', ['sotto', 'start'], { cwd: PROJECT_ROOT, env, maxLifetimeMs: options.maxLifetimeMs ?? 10 * 60_000 });
  const stop = async (): Promise<void> => {
    await proc.stop('SIGTERM', 5000);
    removeData();
  };
  try {
    // `sotto start` prints where the portal is once it listens.
    await proc.waitForOutput(/Portal and API\s+http/, 60_000);
  } catch (err) {
    await stop();
    throw new SottoStartError(`sotto start did not come up: ${(err as Error).message}`);
  }
  const sipAnswering = await Promise.race([waitForSip(LOOPBACK, sipPort, options.sipWaitMs ?? 5000), proc.exited.then(() => false)]);
  return {
    target: `${LOOPBACK}:${sipPort}`,
    sipPort,
    domain: demoUsers.domain,
    users: demoUsers.users,
    dataDir,
    sipAnswering,
    pid: proc.pid,
    get output() {
      return proc.output;
    },
    stop,
  };
}
