// Nothing sensitive at rest in a real installation: a running Sotto (SQLite
// file in the data dir, pino logging to a file) seals objects carrying known
// marker strings and WAV recordings through rt.vault; then every byte of the
// data dir (sotto.db and its -wal, blobs, master key, the log) and of files
// new in the temp dir is searched for the markers and for RIFF/WAVE headers.
// Zero hits, while the database is open and again after it is closed. A
// control plants plaintext in each of those places and the same search
// finds it, so "zero" means something.
import { randomBytes } from 'node:crypto';
import { mkdir, rm, stat, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { pattern, wavFile } from './harness.ts';
import { hits, markerNeedles } from './plaintext-search.ts';
import { bootRuntime, type RuntimeHarness } from './runtime-harness.ts';

let h: RuntimeHarness;
// Anything this test could leak is written after this instant.
let started: number;
beforeEach(async () => {
  started = Date.now() - 2000;
  h = await bootRuntime();
});
afterEach(async () => {
  await h.cleanup();
});

describe('no plaintext at rest in a running Sotto', () => {
  it('leaves no marker and no RIFF/WAVE header in the data dir, sotto.db, its WAL, blobs, the log or new temp files', async () => {
    const tag = randomBytes(8).toString('hex');
    const markers = [`MARKER-${tag}-DOB-1961-04-12`, `MARKER-${tag}-Jane-Q-Patient`, `MARKER-${tag}-+15551234567`];
    const needles = markerNeedles(markers);
    const { rt, dataDir } = h;
    const P = h.practiceId;

    await rt.vault.sealBytes({ practiceId: P, kind: 'text' }, Buffer.from(`Hi, this is ${markers[1]}, DOB ${markers[0]}`));
    await rt.vault.sealBytes({ practiceId: P, kind: 'transcript' }, Buffer.from(`Caller ${markers[2]} asked about results`));
    await rt.vault.sealBytes({ practiceId: P, kind: 'fax' }, Buffer.concat([pattern(50_000), Buffer.from(markers[1]!), pattern(70_000, 2)]));
    // A voicemail recorded as it arrives, 20 ms frames: WAV header first, markers in the audio.
    const voicemail = wavFile(Buffer.concat([pattern(24_000, 3), Buffer.from(markers.join('|')), pattern(24_000, 4)]));
    const w = await rt.vault.createWriter({ practiceId: P, kind: 'voicemail' }, { maxUnsyncedBytes: 8000 });
    for (let i = 0; i < voicemail.length; i += 160) await w.write(voicemail.subarray(i, i + 160));
    const vm = await w.commit();
    await rt.vault.sealBytes({ practiceId: P, kind: 'call_recording' }, wavFile(pattern(16_000, 5)));
    // One left half-written and recovered as partial, as after a crash.
    const half = await rt.vault.createWriter({ practiceId: P, kind: 'meeting_recording' }, { maxUnsyncedBytes: 1000 });
    await half.write(wavFile(Buffer.concat([Buffer.from(markers[0]!), pattern(4000, 6)])));
    await half.flush();
    await rt.vault.recover();
    // It all reads back, so the search looks at real, live data.
    expect((await rt.vault.openBytes({ practiceId: P, objectId: vm.id })).equals(voicemail)).toBe(true);

    // While open: the vault's rows are in sotto.db-wal, not yet in sotto.db.
    expect((await stat(join(dataDir, 'sotto.db-wal'))).size).toBeGreaterThan(0);
    expect(await hits(dataDir, needles, true)).toEqual([]);
    // The temp dir is shared with other processes, which may hold WAV files of
    // their own; the random markers, though, can only come from this test.
    expect(await hits(tmpdir(), needles, false, started)).toEqual([]);

    // Control: plaintext planted where the search looks is found there.
    const control = `CONTROL-${tag}-plaintext`;
    const controlNeedles = markerNeedles([control]);
    await sql`create table marker_control (t text)`.execute(rt.database.db);
    await sql`insert into marker_control (t) values (${control})`.execute(rt.database.db);
    rt.logger.info({ control }, 'planted control line');
    const plantedWav = join(dataDir, 'blobs', 'planted', 'plain.wav');
    await mkdir(join(dataDir, 'blobs', 'planted'));
    await writeFile(plantedWav, voicemail);
    const plantedTmp = join(tmpdir(), `sotto-markers-control-${tag}.txt`);
    await writeFile(plantedTmp, control);
    try {
      const found = await hits(dataDir, [...needles, ...controlNeedles], true);
      expect(found.some((f) => f.startsWith(join(dataDir, 'sotto.db')) && f.endsWith(control))).toBe(true);
      expect(found).toContain(`${h.logFile}: ${control}`);
      expect(found).toEqual(expect.arrayContaining(markers.map((m) => `${plantedWav}: ${m}`).concat(`${plantedWav}: RIFF....WAVE`)));
      expect(await hits(tmpdir(), controlNeedles, false, started)).toContain(`${plantedTmp}: ${control}`);
    } finally {
      await rm(join(dataDir, 'blobs', 'planted'), { recursive: true });
      await rm(plantedTmp);
    }

    // Closed: the WAL is checkpointed into sotto.db; still nothing, and the
    // control row made it into the file, so sotto.db itself was searched.
    await h.close();
    expect(await hits(dataDir, needles, true)).toEqual([]);
    expect(await hits(dataDir, controlNeedles, false)).toEqual(expect.arrayContaining([`${join(dataDir, 'sotto.db')}: ${control}`]));
    expect(await hits(tmpdir(), needles, false, started)).toEqual([]);
  }, 120_000);
});
