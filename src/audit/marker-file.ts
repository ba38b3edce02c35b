/**
 * Where the keyed-install marker (keyed-marker.ts) is kept: beside the master
 * key file, `<master key file>.audit-marker`, owner-only like the key. It is
 * not secret (a tag, no key), but it must be out of a database writer's reach
 * and go wherever the key goes (backups, a second host).
 *
 * Replaced the way `sotto keys rotate` replaces the key file: a temporary
 * file written and synced, renamed over the marker (atomic), the directory
 * synced. A crash leaves the old marker or the new one, never half of one.
 */
import { randomBytes } from 'node:crypto';
import { promises as fsp } from 'node:fs';
import { dirname } from 'node:path';

export function markerPathFor(masterKeyFile: string): string {
  return `${masterKeyFile}.audit-marker`;
}

/** No marker is not the same as one that cannot be read: only ENOENT is "absent". */
export type MarkerFile = { state: 'absent' } | { state: 'present'; text: string } | { state: 'unreadable'; errno: string };

/** Markers are one short line; anything bigger is not one (and is not read whole). */
const MAX_BYTES = 64 * 1024;

export async function readMarkerFile(path: string): Promise<MarkerFile> {
  let handle: fsp.FileHandle;
  try {
    handle = await fsp.open(path, 'r');
  } catch (e) {
    const errno = (e as NodeJS.ErrnoException).code ?? 'ERROR';
    return errno === 'ENOENT' ? { state: 'absent' } : { state: 'unreadable', errno };
  }
  try {
    const st = await handle.stat();
    if (!st.isFile()) return { state: 'unreadable', errno: 'ENOTFILE' };
    if (st.size > MAX_BYTES) return { state: 'present', text: '' };
    return { state: 'present', text: await handle.readFile('utf8') };
  } catch (e) {
    return { state: 'unreadable', errno: (e as NodeJS.ErrnoException).code ?? 'ERROR' };
  } finally {
    await handle.close();
  }
}

export async function writeMarkerFile(path: string, text: string): Promise<void> {
  // A name of its own: two commands starting at once must not write into each other's temporary file.
  const tmp = `${path}.tmp-${process.pid}-${randomBytes(4).toString('hex')}`;
  const handle = await fsp.open(tmp, 'wx', 0o600);
  try {
    await handle.writeFile(text, 'utf8');
    await handle.sync();
  } finally {
    await handle.close();
  }
  try {
    await fsp.rename(tmp, path);
  } catch (e) {
    await fsp.rm(tmp, { force: true });
    throw e;
  }
  const dir = await fsp.open(dirname(path), 'r');
  try {
    await dir.sync();
  } finally {
    await dir.close();
  }
}
