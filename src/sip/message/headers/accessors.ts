/**
 * Typed views of a message's headers. Each accessor parses the raw fields on
 * demand; fields made by the parser remember their parse (MemoHeaderField),
 * so what parseMessage() validated is not parsed again. Lists come back empty and singletons
 * undefined when the header is absent OR malformed; parseMessage() has
 * already refused messages whose core headers (Via, From, To, Call-ID,
 * CSeq, Max-Forwards, Content-Length, Content-Type, Contact, Expires, Route,
 * Record-Route, Require, Proxy-Require, Supported) are malformed.
 */

import type { AuthField, Contact, CSeq, FromTo, HeaderField, MediaType, NameAddr, SipMessage, Via } from '../types.ts';
import { parseAuthField } from './auth-field.ts';
import { keyOf, MemoHeaderField } from './header-field.ts';
import { parseCSeq } from './cseq.ts';
import { parseBoundedInt, parseClampedInt, splitList } from './lexer.ts';
import { parseMediaType } from './media-type.ts';
import { MAX_DELTA_SECONDS, parseContact, parseFromTo, parseNameAddr } from './name-addr.ts';
import { headerKey } from './names.ts';
import { parseTokenList } from './option-tags.ts';
import { parseVia } from './via.ts';

type Headers = readonly HeaderField[];
type Source = SipMessage | Headers;

function headersOf(src: Source): Headers {
  return Array.isArray(src) ? (src as Headers) : (src as SipMessage).headers;
}

/** Makes "parse this field's value as a list of T" (undefined when any element is malformed). */
function listOf<T>(parseOne: (s: string) => T | undefined): (value: string) => T[] | undefined {
  return (value) => {
    const parts = splitList(value);
    if (!parts) return undefined;
    if (parts.length === 1) {
      // The usual one element: an array of one, not one grown by push (room for 17).
      const v = parseOne(parts[0] as string);
      return v === undefined ? undefined : [v];
    }
    const out: T[] = [];
    for (const p of parts) {
      const v = parseOne(p);
      if (v === undefined) return undefined;
      out.push(v);
    }
    return out;
  };
}

// Stable parser identities: MemoHeaderField remembers results per parser.
export const parseViaList = listOf(parseVia);
export const parseContactList = listOf(parseContact);
export const parseNameAddrList = listOf(parseNameAddr);
const parseAcceptList = listOf((s) => (s === '' ? undefined : parseMediaType(s)));

const viaField = (f: HeaderField) => MemoHeaderField.parse(f, parseViaList);
const contactField = (f: HeaderField) => MemoHeaderField.parse(f, parseContactList);
const routeField = (f: HeaderField) => MemoHeaderField.parse(f, parseNameAddrList);
const acceptField = (f: HeaderField) => MemoHeaderField.parse(f, parseAcceptList);
const fromToField = (f: HeaderField) => MemoHeaderField.parse(f, parseFromTo);
const cseqField = (f: HeaderField) => MemoHeaderField.parse(f, parseCSeq);
const mediaTypeField = (f: HeaderField) => MemoHeaderField.parse(f, parseMediaType);
const authField = (f: HeaderField) => MemoHeaderField.parse(f, parseAuthField);
const tokenListField = (f: HeaderField) => MemoHeaderField.parse(f, parseTokenList);

/*
 * The readers below walk the header list in place: a message is asked for
 * its From, To, CSeq, Call-ID … many times over its life, and a list of the
 * matching fields made for each question was garbage the moment it was read.
 */

/** Every element of a list header, or undefined when any field is malformed. */
function collect<T>(src: Source, name: string, parse: (f: HeaderField) => T[] | undefined): T[] | undefined {
  const key = headerKey(name);
  let found: T[] | undefined;
  let out: T[] | undefined;
  for (const f of headersOf(src)) {
    if (keyOf(f) !== key) continue;
    const v = parse(f);
    if (!v) return undefined;
    if (!found) found = v;
    else {
      out ??= found.slice();
      for (const x of v) out.push(x);
    }
  }
  // A copy sized to fit, as callers own what they get (the field's own parse stays as remembered).
  return out ?? (found ? found.slice() : []);
}

/** The field of a header that may appear once: undefined when it is absent or repeated. */
function onlyField(src: Source, name: string): HeaderField | undefined {
  const key = headerKey(name);
  let found: HeaderField | undefined;
  for (const f of headersOf(src)) {
    if (keyOf(f) !== key) continue;
    if (found) return undefined;
    found = f;
  }
  return found;
}

function single<T>(src: Source, name: string, parse: (f: HeaderField) => T | undefined): T | undefined {
  const field = onlyField(src, name);
  return field ? parse(field) : undefined;
}

// ------------------------------------------------------------ validated forms (used by the parser)

/** Via list, undefined when malformed. */
export const parseVias = (src: Source): Via[] | undefined => collect(src, 'via', viaField);
export const parseContacts = (src: Source): Contact[] | undefined => collect(src, 'contact', contactField);
export const parseRoutes = (src: Source, name: 'route' | 'record-route' | 'path' | 'service-route'): NameAddr[] | undefined =>
  collect(src, name, routeField);
export const parseOptionTags = (src: Source, name: string): string[] | undefined => {
  const key = headerKey(name);
  const out: string[] = [];
  for (const f of headersOf(src)) {
    if (keyOf(f) !== key) continue;
    const v = tokenListField(f);
    if (!v) return undefined;
    out.push(...v);
  }
  return out;
};

// ------------------------------------------------------------ convenient accessors

export const getVias = (src: Source): Via[] => parseVias(src) ?? [];
export const getTopVia = (src: Source): Via | undefined => {
  // Every message is asked for its top Via several times (transaction key,
  // received stamp, response routing): read the first field alone when it is the only one.
  let first: HeaderField | undefined;
  for (const f of headersOf(src)) {
    if (keyOf(f) !== 'via') continue;
    if (first) return getVias(src)[0];
    first = f;
  }
  return first ? viaField(first)?.[0] : undefined;
};
export const getFrom = (src: Source): FromTo | undefined => single(src, 'from', fromToField);
export const getTo = (src: Source): FromTo | undefined => single(src, 'to', fromToField);
export const getCallId = (src: Source): string | undefined => onlyField(src, 'call-id')?.value;
export const getCSeq = (src: Source): CSeq | undefined => single(src, 'cseq', cseqField);
export const getMaxForwards = (src: Source): number | undefined => {
  const f = onlyField(src, 'max-forwards');
  return f ? parseBoundedInt(f.value, 255) : undefined;
};
export const getExpires = (src: Source): number | undefined => {
  const f = onlyField(src, 'expires');
  return f ? parseClampedInt(f.value, MAX_DELTA_SECONDS) : undefined;
};
export const getContentLength = (src: Source): number | undefined => {
  const f = onlyField(src, 'content-length');
  return f ? parseBoundedInt(f.value, Number.MAX_SAFE_INTEGER) : undefined;
};
export const getContentType = (src: Source): MediaType | undefined => single(src, 'content-type', mediaTypeField);
export const getContacts = (src: Source): Contact[] => parseContacts(src) ?? [];
export const getRoutes = (src: Source): NameAddr[] => parseRoutes(src, 'route') ?? [];
export const getRecordRoutes = (src: Source): NameAddr[] => parseRoutes(src, 'record-route') ?? [];
/** Accept media ranges; undefined when there is no Accept header (RFC 3261 20.1: then application/sdp is assumed). */
export const getAccept = (src: Source): MediaType[] | undefined =>
  headersOf(src).some((f) => keyOf(f) === 'accept') ? (collect(src, 'accept', acceptField) ?? []) : undefined;
export const getSupported = (src: Source): string[] => parseOptionTags(src, 'supported') ?? [];
export const getRequire = (src: Source): string[] => parseOptionTags(src, 'require') ?? [];
export const getProxyRequire = (src: Source): string[] => parseOptionTags(src, 'proxy-require') ?? [];
export const getUnsupported = (src: Source): string[] => parseOptionTags(src, 'unsupported') ?? [];
export const getAllow = (src: Source): string[] => parseOptionTags(src, 'allow') ?? [];

/** Authorization (or Proxy-Authorization) fields, each parsed; malformed ones are skipped. */
export function getAuthorizations(src: Source, proxy = false): AuthField[] {
  return authFields(src, proxy ? 'proxy-authorization' : 'authorization');
}

/** WWW-Authenticate (or Proxy-Authenticate) challenges. */
export function getChallenges(src: Source, proxy = false): AuthField[] {
  return authFields(src, proxy ? 'proxy-authenticate' : 'www-authenticate');
}

function authFields(src: Source, name: string): AuthField[] {
  const key = headerKey(name);
  const out: AuthField[] = [];
  for (const f of headersOf(src)) {
    if (keyOf(f) !== key) continue;
    const v = authField(f);
    if (v) out.push(v);
  }
  return out;
}
