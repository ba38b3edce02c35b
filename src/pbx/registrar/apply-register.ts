// The registrar's decision for one authenticated REGISTER (RFC 3261 10.3
// steps 6-8), as a pure function of the request, the AOR's current bindings
// and the time. Persisting the outcome and answering are the caller's job.
import {
  formatUri,
  getCallId,
  getCSeq,
  getExpires,
  getHeader,
  headerField,
  parseUri,
  uriEquals,
  type HeaderField,
  type SipRequest,
  type Uri,
} from '../../sip/message/index.ts';
import { parseContacts } from '../../sip/message/headers/accessors.ts';
import type { Binding, RegistrarLimits } from './binding.ts';

export interface RegisterContext {
  aor: string;
  deviceId: string;
  now: number;
  limits: RegistrarLimits;
  source: Binding['source'];
}

export type RegisterOutcome =
  | { ok: true; bindings: Binding[]; upsert: Binding[]; remove: string[] }
  | { ok: false; status: number; reason: string; headers?: HeaderField[] };

function fail(status: number, reason: string, headers?: HeaderField[]): RegisterOutcome {
  return { ok: false, status, reason, ...(headers ? { headers } : {}) };
}

function sameContact(a: string, b: string): boolean {
  // A phone re-registers with the very contact it bound: equal text is the common case and needs no parse.
  if (a === b) return true;
  const ua = parseUri(a);
  const ub = parseUri(b);
  return ua.ok && ub.ok ? uriEquals(ua.value, ub.value) : a === b;
}

/** RFC 3261 10.3 step 7: the Call-ID/CSeq rule that orders updates from one UA. */
function staleUpdate(existing: Binding | undefined, callId: string, cseq: number): boolean {
  return existing !== undefined && existing.callId === callId && cseq <= existing.cseq;
}

function paramOf(params: readonly { name: string; value: string | null }[], name: string): string | null {
  const p = params.find((x) => x.name.toLowerCase() === name);
  return p ? (p.value ?? '') : null;
}

export function applyRegister(request: SipRequest, ctx: RegisterContext, current: Binding[]): RegisterOutcome {
  const live = current.filter((b) => b.expiresAt > ctx.now);
  const callId = getCallId(request);
  const cseq = getCSeq(request);
  if (!callId || !cseq) return fail(400, 'Missing Call-ID or CSeq');
  const contacts = parseContacts(request);
  if (contacts === undefined) return fail(400, 'Malformed Contact');
  const headerExpires = getExpires(request);
  if (getHeader(request.headers, 'expires') !== undefined && headerExpires === undefined) return fail(400, 'Malformed Expires');

  // Step 8 with no Contact: a query for the current bindings.
  if (contacts.length === 0) return { ok: true, bindings: live, upsert: [], remove: [] };

  // Step 6: the wildcard removes every binding, and only with Expires: 0.
  if (contacts.some((c) => c.star)) {
    if (contacts.length !== 1 || headerExpires !== 0) return fail(400, 'Invalid wildcard Contact');
    if (live.some((b) => staleUpdate(b, callId, cseq.seq))) return fail(400, 'Invalid CSeq number');
    return { ok: true, bindings: [], upsert: [], remove: live.map((b) => b.contact) };
  }

  const upsert: Binding[] = [];
  const remove: string[] = [];
  const userAgent = getHeader(request.headers, 'user-agent') ?? null;
  for (const c of contacts) {
    if (c.star) continue;
    const uri: Uri = c.uri;
    if (uri.scheme !== 'sip' && uri.scheme !== 'sips') return fail(400, 'Unsupported Contact URI scheme');
    // RFC 3261 20.10, 25.1: expires is delta-seconds; "-5" or "soon" is a malformed request, not a default interval.
    if (c.expires === undefined && paramOf(c.params, 'expires') !== null) return fail(400, 'Malformed Contact expires');
    let expires = c.expires ?? headerExpires ?? ctx.limits.defaultExpires;
    // Step 7: too brief an interval is refused, naming the minimum.
    if (expires > 0 && expires < ctx.limits.minExpires) {
      return fail(423, 'Interval Too Brief', [headerField('Min-Expires', String(ctx.limits.minExpires))]);
    }
    expires = Math.min(expires, ctx.limits.maxExpires);
    const contact = formatUri(uri);
    const existing = live.find((b) => sameContact(b.contact, contact));
    if (staleUpdate(existing, callId, cseq.seq)) return fail(400, 'Invalid CSeq number');
    if (expires === 0) {
      if (existing) remove.push(existing.contact);
      continue;
    }
    const instance = paramOf(c.params, '+sip.instance');
    const regId = paramOf(c.params, 'reg-id');
    upsert.push({
      aor: ctx.aor,
      contact: existing?.contact ?? contact,
      callId,
      cseq: cseq.seq,
      expiresAt: ctx.now + expires * 1000,
      q: c.q ?? null,
      instanceId: instance ? instance.replace(/^"|"$/g, '') : null,
      regId: regId !== null && /^\d+$/.test(regId) ? Number(regId) : null,
      source: ctx.source,
      deviceId: ctx.deviceId,
      userAgent: userAgent ? userAgent.slice(0, 128) : null,
    });
  }

  const kept = live.filter((b) => !remove.includes(b.contact) && !upsert.some((u) => u.contact === b.contact));
  const bindings = [...kept, ...upsert];
  if (bindings.length > ctx.limits.maxContactsPerAor) return fail(403, 'Too many registered contacts');
  return { ok: true, bindings, upsert, remove };
}

/** The Contact header fields of a 200 OK: every current binding with its remaining time (RFC 3261 10.3 step 8). */
export function contactHeaders(bindings: Binding[], now: number): HeaderField[] {
  return bindings.map((b) => headerField('Contact', `<${b.contact}>;expires=${Math.max(0, Math.round((b.expiresAt - now) / 1000))}`));
}
