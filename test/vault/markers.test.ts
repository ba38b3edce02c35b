// Nothing sensitive at rest: objects carrying known marker strings and a
// WAV recording are stored, then the data dir (blobs, key file, database
// image, logs) and the temp dir are searched byte for byte. Zero hits.

import { randomBytes } from 'node:crypto';
import { writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { makeHarness, pattern, wavFile, type Harness } from './harness.ts';
import { hits, markerNeedles as needlesOf } from './plaintext-search.ts';

let h: Harness;
beforeEach(async () => {
  h = await makeHarness();
});
afterEach(async () => {
  await h.cleanup();
});

describe('no plaintext at rest', () => {
  it('leaves no marker and no RIFF/WAVE header anywhere in the data dir, database, logs or temp dir', async () => {
    // Anything this test could have leaked was written after this instant.
    const started = Date.now() - 2000;
    const tag = randomBytes(8).toString('hex');
    const markers = [`MARKER-${tag}-DOB-1961-04-12`, `MARKER-${tag}-Jane-Q-Patient`, `MARKER-${tag}-+15551234567`];
    const P = 'prac_markers';

    await h.vault.sealBytes({ practiceId: P, kind: 'text', ownerUserId: 'u1' }, Buffer.from(`Hi, this is ${markers[1]}, DOB ${markers[0]}`));
    await h.vault.sealBytes({ practiceId: P, kind: 'transcript' }, Buffer.from(`Caller ${markers[2]} asked about results`));
    await h.vault.sealBytes({ practiceId: P, kind: 'fax' }, Buffer.concat([pattern(50_000), Buffer.from(markers[1]!), pattern(70_000, 2)]));

    // A voicemail recorded as it arrives: WAV header first, markers inside the audio.
    const audio = Buffer.concat([pattern(24_000, 3), Buffer.from(markers.join('|')), pattern(24_000, 4)]);
    const voicemail = wavFile(audio);
    const w = await h.vault.createWriter({ practiceId: P, kind: 'voicemail', ownerUserId: 'u1' }, { maxUnsyncedBytes: 8000 });
    for (let i = 0; i < voicemail.length; i += 160) await w.write(voicemail.subarray(i, i + 160));
    const vm = await w.commit();
    // A recording in one go, and one left half-written and recovered as partial.
    await h.vault.sealBytes({ practiceId: P, kind: 'call_recording' }, wavFile(pattern(16_000, 5)));
    const half = await h.vault.createWriter({ practiceId: P, kind: 'meeting_recording' }, { maxUnsyncedBytes: 1000 });
    await half.write(wavFile(Buffer.concat([Buffer.from(markers[0]!), pattern(4000, 6)])));
    await half.flush();
    await h.vault.recover();

    // It all reads back, so the search below is looking at real, live data.
    expect((await h.vault.openBytes({ practiceId: P, objectId: vm.id })).equals(voicemail)).toBe(true);

    // The database and log as they would be on disk.
    await writeFile(join(h.dataDir, 'sotto.db.json'), JSON.stringify(h.repos.snapshot()));
    await writeFile(join(h.dataDir, 'sotto.log'), h.logger.lines.join('\n'));

    const markerNeedles = needlesOf(markers);
    // The search itself works: plaintext planted in a scratch dir is found.
    const scratch = join(h.dataDir, '..', `sotto-markers-control-${tag}`);
    await import('node:fs/promises').then(async (fs) => {
      await fs.mkdir(scratch);
      await fs.writeFile(join(scratch, 'plain.wav'), voicemail);
      expect((await hits(scratch, markerNeedles, true)).length).toBe(markers.length + 1);
      await fs.rm(scratch, { recursive: true });
    });

    expect(await hits(h.dataDir, markerNeedles, true)).toEqual([]);
    // The temp dir is shared with other processes, which may hold WAV files of
    // their own; the random markers, though, can only come from this test,
    // and only in files written since it started.
    expect(await hits(tmpdir(), markerNeedles, false, started)).toEqual([]);
  }, 120_000);
});
