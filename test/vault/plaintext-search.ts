// Byte-for-byte search of a directory tree for plaintext that must never be
// at rest: marker strings, and RIFF/WAVE headers (unencrypted audio).
import { lstat, readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';

async function* files(dir: string, since = 0): AsyncGenerator<string> {
  let names: string[];
  try {
    names = await readdir(dir);
  } catch {
    return; // unreadable or vanished (other processes share /tmp)
  }
  for (const name of names) {
    const path = join(dir, name);
    const st = await lstat(path).catch(() => undefined);
    if (!st) continue;
    if (st.isDirectory()) yield* files(path, since);
    else if (st.isFile() && st.size <= 64 * 1024 * 1024 && st.mtimeMs >= since) yield path;
  }
}

/** `path: needle` for every file under `dir` (modified at or after `since`) holding a needle, or a WAV header when `riff`. */
export async function hits(dir: string, needles: Buffer[], riff: boolean, since = 0): Promise<string[]> {
  const found: string[] = [];
  for await (const path of files(dir, since)) {
    const bytes = await readFile(path).catch(() => undefined);
    if (!bytes) continue;
    for (const needle of needles) if (bytes.includes(needle)) found.push(`${path}: ${needle.toString('latin1')}`);
    if (riff && hasWavHeader(bytes)) found.push(`${path}: RIFF....WAVE`);
  }
  return found;
}

/** A RIFF/WAVE header: 'RIFF', a 4-byte size, 'WAVE' (12 bytes, 8 fixed: no false hits in ciphertext). */
export function hasWavHeader(bytes: Buffer): boolean {
  for (let i = bytes.indexOf('RIFF'); i !== -1; i = bytes.indexOf('RIFF', i + 1)) {
    if (bytes.subarray(i + 8, i + 12).toString('latin1') === 'WAVE') return true;
  }
  return bytes.includes('WAVEfmt ');
}

/** Each marker as UTF-8 and as UTF-16LE (how some tools and drivers store text). */
export function markerNeedles(markers: string[]): Buffer[] {
  return markers.flatMap((m) => [Buffer.from(m, 'utf8'), Buffer.from(m, 'utf16le')]);
}
