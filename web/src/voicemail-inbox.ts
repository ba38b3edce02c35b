// The voicemail inbox's logic, apart from the page so it is unit-tested:
// reading GET /voicemails (a server without the route yet answers 404, which
// is an empty inbox with a word of explanation, not an error), and the list
// changes that follow "mark heard" and "delete".
import { ApiError, type VoicemailItem } from './api.ts';

export type InboxState =
  | { kind: 'loading' }
  | { kind: 'ready'; items: VoicemailItem[] }
  /** The server has no voicemail route (an older Sotto): nothing to list. */
  | { kind: 'unavailable' }
  | { kind: 'failed'; message: string };

/** What a failed list request means for the page. */
export function inboxStateOfError(e: unknown, describe: (e: unknown) => string): InboxState {
  if (e instanceof ApiError && e.status === 404) return { kind: 'unavailable' };
  return { kind: 'failed', message: describe(e) };
}

export function inboxStateOf(payload: { items: VoicemailItem[] }): InboxState {
  return { kind: 'ready', items: newestFirst(payload.items) };
}

export function newestFirst(items: readonly VoicemailItem[]): VoicemailItem[] {
  return [...items].sort((a, b) => Date.parse(b.receivedAt) - Date.parse(a.receivedAt) || (a.id < b.id ? -1 : 1));
}

/** "0:07", "2:45", "1:02:03": how long a message is, as players show it. */
export function formatDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const h = Math.floor(total / 3600);
  const m = Math.floor((total % 3600) / 60);
  const s = String(total % 60).padStart(2, '0');
  return h > 0 ? `${h}:${String(m).padStart(2, '0')}:${s}` : `${m}:${s}`;
}

/** The same length in words, for screen readers ("2 minutes 45 seconds"). */
export function spokenDuration(ms: number): string {
  const total = Math.max(0, Math.round(ms / 1000));
  const m = Math.floor(total / 60);
  const s = total % 60;
  const parts = [m > 0 ? `${m} minute${m === 1 ? '' : 's'}` : null, s > 0 || m === 0 ? `${s} second${s === 1 ? '' : 's'}` : null];
  return parts.filter(Boolean).join(' ');
}

export function unheardCount(items: readonly VoicemailItem[]): number {
  return items.filter((v) => !v.heard).length;
}

export function withHeard(items: readonly VoicemailItem[], id: string): VoicemailItem[] {
  return items.map((v) => (v.id === id ? { ...v, heard: true } : v));
}

export function without(items: readonly VoicemailItem[], id: string): VoicemailItem[] {
  return items.filter((v) => v.id !== id);
}

/** After deleting `id`, the message to land on: the next (older) one, else the one before, else none. */
export function afterDelete(items: readonly VoicemailItem[], id: string): string | null {
  const i = items.findIndex((v) => v.id === id);
  if (i < 0) return null;
  return items[i + 1]?.id ?? items[i - 1]?.id ?? null;
}

/** Machine transcripts are drafts: they mishear names, numbers and drugs. The label says so, every time. */
export function transcriptCaption(t: NonNullable<VoicemailItem['transcript']>): string {
  return `Transcribed on this server by ${t.engine}. It can mishear names, numbers and medicines: check it against the recording before acting on it.`;
}
