// A key press a phone sends as SIP INFO in a call Sotto answered itself
// (voicemail, the mailbox menu). Phones and ATAs set to "SIP INFO" DTMF use
// the legacy INFO usage (RFC 6086 9, no Info Package) with one of two bodies:
//
//   Content-Type: application/dtmf-relay      Content-Type: application/dtmf
//   Signal=5                                   5
//   Duration=160
//
// A key is 0-9, *, #, A-D, or its RFC 4733 event code (10 is *, 11 is #,
// 12-15 are A-D), as some phones send it. Anything else is refused: an Info
// Package (none is supported: 469 with an empty Recv-Info, RFC 6086 4.2.2),
// another body type (415, RFC 3261 21.4.13, with the Accept it should use),
// a body of the right type without a key in it (400). An INFO without a body carries nothing to do
// (some send it to check the dialog is alive): 200.
import { getContentType, getHeader, headerField, type HeaderField, type SipRequest } from '../../sip/message/index.ts';

export const INFO_DTMF_TYPES: readonly string[] = ['application/dtmf-relay', 'application/dtmf'];

export type InfoDtmf =
  | { readonly kind: 'key'; readonly digit: string; readonly durationMs: number }
  | { readonly kind: 'nothing' }
  | { readonly kind: 'refused'; readonly status: 400 | 415 | 469; readonly headers: readonly HeaderField[] };

const ACCEPT = headerField('Accept', INFO_DTMF_TYPES.join(', '));
const NO_INFO_PACKAGES = headerField('Recv-Info', '');
const KEYS = '0123456789*#ABCD';
/** When the body names no duration: RFC 4733 2.5.2.2's usual minimum tone. */
const DEFAULT_DURATION_MS = 100;

export function readInfoDtmf(request: SipRequest): InfoDtmf {
  // RFC 6086 4.2.2: a 469 names the packages we take in Recv-Info: none, so the field is there, empty.
  if (getHeader(request.headers, 'info-package') !== undefined) return { kind: 'refused', status: 469, headers: [NO_INFO_PACKAGES] };
  if (request.body.length === 0) return { kind: 'nothing' };
  const type = getContentType(request);
  const mediaType = type ? `${type.type}/${type.subtype}`.toLowerCase() : '';
  if (!INFO_DTMF_TYPES.includes(mediaType)) return { kind: 'refused', status: 415, headers: [ACCEPT] };
  const text = request.body.toString('latin1');
  const read = mediaType === 'application/dtmf' ? { signal: text.trim(), duration: undefined } : relayFields(text);
  const digit = keyOf(read.signal);
  if (digit === undefined) return { kind: 'refused', status: 400, headers: [] };
  const duration = read.duration === undefined ? NaN : Number(read.duration);
  return { kind: 'key', digit, durationMs: Number.isInteger(duration) && duration > 0 ? duration : DEFAULT_DURATION_MS };
}

/** The Signal and Duration lines of an application/dtmf-relay body (names in any case, blanks around '='). */
function relayFields(text: string): { signal: string | undefined; duration: string | undefined } {
  let signal: string | undefined;
  let duration: string | undefined;
  for (const line of text.split(/\r?\n/)) {
    const eq = line.indexOf('=');
    if (eq < 0) continue;
    const name = line.slice(0, eq).trim().toLowerCase();
    const value = line.slice(eq + 1).trim();
    if (name === 'signal') signal ??= value;
    else if (name === 'duration') duration ??= value;
  }
  return { signal, duration };
}

function keyOf(signal: string | undefined): string | undefined {
  if (signal === undefined) return undefined;
  const s = signal.toUpperCase();
  if (s.length === 1 && KEYS.includes(s)) return s;
  // RFC 4733 3.2: event codes 0-15 are the keys in KEYS' order.
  if (/^1[0-5]$/.test(s)) return KEYS[Number(s)];
  return undefined;
}
