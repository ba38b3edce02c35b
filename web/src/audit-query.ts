// The audit viewer's filter form, turned into GET /audit-events queries, and
// the words for what the log and its verification say. Pure (no DOM), so it
// is unit-tested; the page only renders.
import type { AuditEventView, ChainStatus } from './api.ts';

/** The form as typed: empty means "any". Times are datetime-local values, in the browser's time zone. */
export interface AuditFilter {
  actor: string;
  action: string;
  objectType: string;
  object: string;
  from: string;
  to: string;
}

export const EMPTY_FILTER: AuditFilter = { actor: '', action: '', objectType: '', object: '', from: '', to: '' };

export const PAGE_SIZE = 50;

// The API's own patterns (src/api/routes/audit-events/schema.ts), checked here so a typo gets a word, not a 400.
const ID = /^[A-Za-z0-9_-]{1,64}$/;
const ACTION = /^[a-z][a-z0-9_]*(\.[a-z][a-z0-9_]*){1,3}$/;
const OBJECT_TYPE = /^[a-z][a-z0-9_-]{0,31}$/;

export type FilterProblem = { field: keyof AuditFilter; message: string };

/** A datetime-local value ("2026-11-28T09:30") as an instant, or null when it is not one. */
export function localTimeToIso(value: string): string | null {
  if (!/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?$/.test(value)) return null;
  const t = new Date(value).getTime(); // no zone in the string: read as local time, as the user meant it
  return Number.isNaN(t) ? null : new Date(t).toISOString();
}

export function filterProblems(f: AuditFilter): FilterProblem[] {
  const out: FilterProblem[] = [];
  if (f.actor && !ID.test(f.actor)) out.push({ field: 'actor', message: 'Choose a user from the list.' });
  if (f.action && !ACTION.test(f.action.trim())) out.push({ field: 'action', message: 'An action is a dotted code such as voicemail.play.' });
  if (f.objectType && !OBJECT_TYPE.test(f.objectType.trim())) out.push({ field: 'objectType', message: 'An object type is a lower-case word such as user or voicemail.' });
  if (f.object && !ID.test(f.object.trim())) out.push({ field: 'object', message: 'An object id has letters, digits, "-" and "_" only.' });
  const from = f.from ? localTimeToIso(f.from) : null;
  const to = f.to ? localTimeToIso(f.to) : null;
  if (f.from && from === null) out.push({ field: 'from', message: 'Not a date and time.' });
  if (f.to && to === null) out.push({ field: 'to', message: 'Not a date and time.' });
  if (from !== null && to !== null && from >= to) out.push({ field: 'to', message: 'The end must come after the start.' });
  return out;
}

/** The query string for one page; `before` is the cursor of an older page (nextBefore of the one before it). */
export function auditQuery(f: AuditFilter, before: string | null, limit = PAGE_SIZE): string {
  const q = new URLSearchParams();
  if (f.actor) q.set('actor', f.actor);
  if (f.action.trim()) q.set('action', f.action.trim());
  if (f.objectType.trim()) q.set('objectType', f.objectType.trim());
  if (f.object.trim()) q.set('object', f.object.trim());
  const from = f.from ? localTimeToIso(f.from) : null;
  const to = f.to ? localTimeToIso(f.to) : null;
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  if (before) q.set('before', before);
  q.set('limit', String(limit));
  return '?' + q.toString();
}

/**
 * The export's query: the applied time range only. An export is a stretch of
 * the hash chain (every event in it, anchored on the one before), so the
 * user, action and object filters, which would leave gaps, do not apply.
 */
export function exportQuery(f: AuditFilter): string {
  const q = new URLSearchParams();
  const from = f.from ? localTimeToIso(f.from) : null;
  const to = f.to ? localTimeToIso(f.to) : null;
  if (from) q.set('from', from);
  if (to) q.set('to', to);
  const text = q.toString();
  return text === '' ? '' : '?' + text;
}

/** What a download would hold, in words. */
export function exportScope(f: AuditFilter): string {
  const from = f.from ? localTimeToIso(f.from) : null;
  const to = f.to ? localTimeToIso(f.to) : null;
  const when = (iso: string) => new Date(iso).toLocaleString();
  if (from && to) return `The events from ${when(from)} until ${when(to)}`;
  if (from) return `The events from ${when(from)} on`;
  if (to) return `The events before ${when(to)}`;
  return 'The whole log';
}

/**
 * Paging backwards through the log: the cursors of the pages seen so far, so
 * "Newer" returns to exactly the page it came from. Page 0 has no cursor.
 */
export interface Pager {
  cursors: Array<string | null>;
}

export const FIRST_PAGE: Pager = { cursors: [null] };

export function currentCursor(p: Pager): string | null {
  return p.cursors[p.cursors.length - 1] ?? null;
}

export function older(p: Pager, nextBefore: string): Pager {
  return { cursors: [...p.cursors, nextBefore] };
}

export function newer(p: Pager): Pager {
  return p.cursors.length > 1 ? { cursors: p.cursors.slice(0, -1) } : p;
}

export function pageNumber(p: Pager): number {
  return p.cursors.length;
}

const BREAK_WORDS: Record<string, string> = {
  malformed: 'an event is damaged (a field is missing or of the wrong kind)',
  wrong_chain: "an event of another practice's log is mixed in",
  missing_events: 'events were deleted',
  out_of_order: 'events were duplicated or reordered',
  prev_hash_mismatch: 'an event was removed, inserted or rewritten next to this one',
  hash_mismatch: 'an event was edited after it was written',
  truncated: 'the newest events were cut off',
  head_mismatch: 'the last event is not the one Sotto recorded as the newest',
};

export interface ChainWords {
  level: 'ok' | 'risk';
  title: string;
  detail: string;
}

export function chainWords(s: ChainStatus): ChainWords {
  if (s.ok) {
    return {
      level: 'ok',
      title: 'Audit chain verified',
      detail: `All ${s.verifiedCount} events are intact and linked, up to event #${s.head?.seq ?? 0}.`,
    };
  }
  const b = s.break!;
  return {
    level: 'risk',
    title: 'Audit chain broken',
    detail: `The log stops holding at event #${b.seq}: ${BREAK_WORDS[b.reason] ?? b.reason}. ${s.verifiedCount} events before it are intact. Keep the database as it is and run "sotto audit verify" on the server.`,
  };
}

/** Who did it, in words: a user's name when known, else their kind and id. */
export function actorName(e: Pick<AuditEventView, 'actor'>, names: ReadonlyMap<string, string>): string {
  if (e.actor.type === 'user') return names.get(e.actor.id) ?? `User ${e.actor.id}`;
  if (e.actor.type === 'token') return `API token of ${names.get(e.actor.id) ?? e.actor.id}`;
  return `System (${e.actor.id})`;
}

/** The details of an event as "key: value" pairs; they hold ids, codes, counts and flags only. */
export function detailPairs(details: Record<string, unknown>): Array<[string, string]> {
  return Object.entries(details).map(([k, v]) => [k, typeof v === 'string' ? v : JSON.stringify(v)]);
}
