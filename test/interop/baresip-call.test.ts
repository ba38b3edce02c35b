// Two real softphones (baresip) registered to a running Sotto call each
// other: the caller plays a 1 kHz tone from a WAV file (aufile), the callee
// answers by itself and records what it hears (sndfile). The recording is
// decoded and the tone found with Goertzel: the audio crossed Sotto's relay.
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, watch, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { bytesToPcm16, concatPcm, generateTone, goertzelPower, meanSquare, parseWav, pcm16ToBytes, silentPcm, writeWav } from '../../src/media/index.ts';
import { startBaresip, startSotto, type SottoServer } from '../support/sip-peers.ts';

const TONE_HZ = 1000;
const TONE_MS = 3000;

let sotto: SottoServer | undefined;
const dir = mkdtempSync(join(tmpdir(), 'sotto-call-audio-'));

beforeAll(async () => {
  sotto = await startSotto({ sipWaitMs: 10_000 });
}, 120_000);
afterAll(async () => {
  await sotto?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Settles once `file` holds `bytes` (baresip writes the recording as audio arrives). */
function fileGrows(file: string, bytes: number, timeoutMs: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const check = (): boolean => (existsSync(file) && statSync(file).size >= bytes ? (finish(), resolve(), true) : false);
    const watcher = watch(dirname(file), () => void check());
    const poll = setInterval(() => void check(), 100);
    const timer = setTimeout(() => (finish(), reject(new Error(`recording stayed under ${bytes} bytes`))), timeoutMs);
    const finish = (): void => {
      watcher.close();
      clearInterval(poll);
      clearTimeout(timer);
    };
    check();
  });
}

/** 20 ms windows whose energy sits at `hz` (Goertzel power over total power). */
function toneWindows(samples: Int16Array, hz: number): number {
  const n = 160;
  let count = 0;
  for (let i = 0; i + n <= samples.length; i += n) {
    const total = meanSquare(samples, i, n);
    if (total < 1e4) continue; // near silence
    const at = goertzelPower(samples, i, n, hz, 8000);
    const off = goertzelPower(samples, i, n, hz * 1.5, 8000);
    if (at > 20 * off) count++;
  }
  return count;
}

describe('a call between two baresip phones through Sotto', () => {
  it('carries a 1 kHz tone from the caller to the callee', { timeout: 90_000 }, async () => {
    if (!sotto?.sipAnswering) throw new Error('Sotto did not answer SIP OPTIONS after `sotto start`');
    const [caller, callee] = sotto.users;
    if (!caller || !callee) throw new Error('demo has fewer than two extensions');
    const tone = join(dir, 'tone.wav');
    writeFileSync(tone, writeWav({ sampleRate: 8000, encoding: 'pcm16' }, pcm16ToBytes(concatPcm([generateTone([TONE_HZ], TONE_MS, { amplitude: 12000 }), silentPcm(200)]))));
    // The callee talks too (a 440 Hz hum), so the check below tells the two directions apart.
    const hum = join(dir, 'hum.wav');
    writeFileSync(hum, writeWav({ sampleRate: 8000, encoding: 'pcm16' }, pcm16ToBytes(generateTone([440], 20_000, { amplitude: 4000 }))));
    const recordDir = mkdtempSync(join(dir, 'rec-'));

    const b = await startBaresip({
      aor: `sip:${callee.username}@${callee.domain}`,
      password: callee.password,
      transport: 'udp',
      outboundProxy: sotto.target,
      answerMode: 'auto',
      audioSource: `aufile,${hum}`,
      recordDir,
    });
    let a: Awaited<ReturnType<typeof startBaresip>> | undefined;
    try {
      a = await startBaresip({
        aor: `sip:${caller.username}@${caller.domain}`,
        password: caller.password,
        transport: 'udp',
        outboundProxy: sotto.target,
        audioSource: `aufile,${tone}`,
        commands: [`/dial sip:${callee.username}@${callee.domain}`],
      });
      await b.waitForOutput(/Call established/i, 20_000).catch((e: unknown) => {
        throw new Error(`callee never answered: ${String(e).slice(0, 100)}\ncallee:\n${b.output.slice(-4000)}`);
      });
      // The callee's recording has grown past the tone's length: all of it has had time to arrive.
      const m = await b.waitForOutput(/dumping decode audio to (\S+\.wav)/, 5_000);
      await fileGrows(m[1]!, 44 + ((TONE_MS + 500) * 8000 * 2) / 1000, 20_000);
      await a.stop();
    } finally {
      await a?.stop();
      await b.stop();
    }
    const dump = readdirSync(recordDir).find((f) => f.endsWith('-dec.wav'));
    expect(dump, b.output.slice(-3000)).toBeDefined();
    const wav = parseWav(readFileSync(join(recordDir, dump!)));
    if (!wav.ok) throw new Error(`recording does not parse: ${wav.error.code}`);
    expect(wav.value).toMatchObject({ encoding: 'pcm16', sampleRate: 8000, channels: 1 });
    const samples = bytesToPcm16(wav.value.data);
    // At least 2 s of the 3 s tone arrived as a 1 kHz tone (jitter, start-up and hang-up eat the rest).
    const windows = toneWindows(samples, TONE_HZ);
    expect(windows * 20).toBeGreaterThanOrEqual(2000);
    // And not the callee's own 440 Hz sine looped back.
    expect(toneWindows(samples, 440)).toBeLessThan(windows / 10);
  });
});
