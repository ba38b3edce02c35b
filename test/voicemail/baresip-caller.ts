// baresip as the caller who leaves a voicemail: its microphone is a WAV file
// (the aufile source), it dials at start (-e "/dial …", the menu module),
// and hangs up when the file ends (baresip closes the call on the source's
// end of file) or when told to.
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { PeerProcess } from '../interop/harness/child.ts';
import { freeSipPort, LOOPBACK } from '../interop/harness/ports.ts';

export interface BaresipCallerOptions {
  /** "sip:101@domain" */
  aor: string;
  password: string;
  /** "127.0.0.1:port" of Sotto's SIP UDP listener. */
  proxy: string;
  /** What to dial: an extension. */
  dial: string;
  /** 8 kHz mono PCM16 WAV played as the microphone. */
  wavFile: string;
}

export interface BaresipCaller {
  readonly output: string;
  /** Settles when baresip reports the call closed (by either side). */
  callClosed(timeoutMs: number): Promise<string>;
  callEstablished(timeoutMs: number): Promise<void>;
  stop(): Promise<void>;
}

// eslint-disable-next-line no-control-regex
export const ANSI = /\x1b\[[0-9;]*m/g;

/**
 * A baresip profile in `dir`: SIP over UDP on loopback, one account that
 * registers through Sotto at `proxy`, G.711, `wavFile` as the microphone and
 * nothing played; `modules` are the lines that make the rest of it (the
 * menu that dials at start, a console to type on).
 */
export function writeBaresipProfile(dir: string, o: { sipPort: number; wavFile: string; aor: string; password: string; proxy: string; modules: string[] }): void {
  writeFileSync(
    join(dir, 'config'),
    [
      'poll_method epoll',
      `sip_listen ${LOOPBACK}:${o.sipPort}`,
      `net_interface ${LOOPBACK}`,
      'sip_transports udp',
      `audio_source aufile,${o.wavFile}`,
      'audio_player aufile,/dev/null',
      'audio_alert aufile,/dev/null',
      'module_path /usr/lib/baresip/modules',
      'module g711.so',
      'module aufile.so',
      ...o.modules,
      '',
    ].join('\n'),
  );
  writeFileSync(join(dir, 'accounts'), `<${o.aor};transport=udp>;auth_pass=${o.password};outbound="sip:${o.proxy};transport=udp";regint=0\n`, { mode: 0o600 });
}

export async function startBaresipCaller(o: BaresipCallerOptions): Promise<BaresipCaller> {
  const dir = mkdtempSync(join(tmpdir(), 'sotto-vm-baresip-'));
  writeBaresipProfile(dir, { ...o, sipPort: await freeSipPort(), modules: ['module menu.so', 'module_app account.so'] });
  const proc = new PeerProcess('baresip caller', 'baresip', ['-f', dir, '-s', '-e', `/dial ${o.dial}`, '-t', '120'], { cwd: dir, maxLifetimeMs: 125_000, outputFilter: (t) => t.replace(ANSI, '') });
  return {
    get output() {
      return proc.output;
    },
    async callEstablished(timeoutMs) {
      await proc.waitForOutput(/Call established|call established/i, timeoutMs);
    },
    async callClosed(timeoutMs) {
      const m = await proc.waitForOutput(/Call with \S+ terminated[^\n]*|session closed[^\n]*/, timeoutMs);
      return m[0];
    },
    async stop() {
      await proc.stop('SIGTERM', 3000);
      rmSync(dir, { recursive: true, force: true });
    },
  };
}
