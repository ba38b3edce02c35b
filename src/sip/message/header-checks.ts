/**
 * The checks every parsed message passes before anyone acts on it (RFC
 * 3261 7.3, 8.1.1, 20; RFC 4475): singletons appear once, the fields a
 * response copies are present, and the headers Sotto reads parse. Failures
 * name the header concerned; the parser answers them with 400.
 */

import { parseCSeq } from './headers/cseq.ts';
import { isDigits, parseBoundedInt } from './headers/lexer.ts';
import { parseMediaType } from './headers/media-type.ts';
import { parseContactList, parseNameAddrList, parseViaList } from './headers/accessors.ts';
import { keyOf, MemoHeaderField } from './headers/header-field.ts';
import { parseFromTo } from './headers/name-addr.ts';
import { parseTokenList } from './headers/option-tags.ts';
import type { HeaderField, ParseErrorCode } from './types.ts';

/** The start line facts the checks need. */
export interface CheckedStart {
  readonly kind: 'request' | 'response';
  readonly method: string;
}

/** Headers that may appear at most once (RFC 4475 3.3.8 multi01, 3.3.9 mcl01). */
const SINGLETONS = ['call-id', 'from', 'to', 'cseq', 'max-forwards', 'content-length', 'content-type', 'expires'];

/** Whether every field parses as a list (absent fields are fine). */
function listsParse(fields: readonly HeaderField[] | undefined, parser: (value: string) => unknown[] | undefined): boolean {
  if (!fields) return true;
  for (const f of fields) if (!MemoHeaderField.parse(f, parser)) return false;
  return true;
}

function badHeader(header: string): { code: ParseErrorCode; reason: string; header: string } {
  return { code: 'SIP_BAD_HEADER_VALUE', reason: 'Bad Header', header };
}

/**
 * The fields the checks below read, grouped by canonical name in one pass
 * (a switch, not a Map of arrays: this runs for every message). Lists keep
 * wire order; singletons keep their first field and `duplicate` names the
 * first (in SINGLETONS order) that came twice.
 */
export class HeaderIndex {
  via: HeaderField[] = [];
  contact: HeaderField[] | undefined = undefined;
  route: HeaderField[] | undefined = undefined;
  recordRoute: HeaderField[] | undefined = undefined;
  optionTags: HeaderField[] | undefined = undefined;
  callId: HeaderField | undefined = undefined;
  from: HeaderField | undefined = undefined;
  to: HeaderField | undefined = undefined;
  cseq: HeaderField | undefined = undefined;
  maxForwards: HeaderField | undefined = undefined;
  contentLength: HeaderField | undefined = undefined;
  contentType: HeaderField | undefined = undefined;
  expires: HeaderField | undefined = undefined;
  /** The first singleton (in SINGLETONS order) seen twice, if any. */
  duplicate: string | undefined = undefined;

  constructor(headers: readonly HeaderField[]) {
    let dup = 0;
    for (const h of headers) {
      const k = keyOf(h);
      switch (k) {
        case 'via':
          this.via.push(h);
          break;
        case 'contact':
          (this.contact ??= []).push(h);
          break;
        case 'route':
          (this.route ??= []).push(h);
          break;
        case 'record-route':
          (this.recordRoute ??= []).push(h);
          break;
        case 'require':
        case 'proxy-require':
        case 'supported':
          (this.optionTags ??= []).push(h);
          break;
        case 'call-id':
          if (this.callId) dup |= 1;
          else this.callId = h;
          break;
        case 'from':
          if (this.from) dup |= 2;
          else this.from = h;
          break;
        case 'to':
          if (this.to) dup |= 4;
          else this.to = h;
          break;
        case 'cseq':
          if (this.cseq) dup |= 8;
          else this.cseq = h;
          break;
        case 'max-forwards':
          if (this.maxForwards) dup |= 16;
          else this.maxForwards = h;
          break;
        case 'content-length':
          if (this.contentLength) dup |= 32;
          else this.contentLength = h;
          break;
        case 'content-type':
          if (this.contentType) dup |= 64;
          else this.contentType = h;
          break;
        case 'expires':
          if (this.expires) dup |= 128;
          else this.expires = h;
          break;
      }
    }
    if (dup !== 0) this.duplicate = SINGLETONS[31 - Math.clz32(dup & -dup)];
  }
}

/** Checks the headers every message must get right before anyone acts on it. */
export function validateHeaders(
  start: CheckedStart,
  index: HeaderIndex,
): { code: ParseErrorCode; reason: string; header?: string } | undefined {
  if (index.duplicate !== undefined) return { code: 'SIP_DUPLICATE_HEADER', reason: 'Duplicate Header', header: index.duplicate };
  if (index.via.length === 0) return { code: 'SIP_MISSING_HEADER', reason: 'Missing Header', header: 'via' };
  if (!index.from) return { code: 'SIP_MISSING_HEADER', reason: 'Missing Header', header: 'from' };
  if (!index.to) return { code: 'SIP_MISSING_HEADER', reason: 'Missing Header', header: 'to' };
  if (!index.callId) return { code: 'SIP_MISSING_HEADER', reason: 'Missing Header', header: 'call-id' };
  if (!index.cseq) return { code: 'SIP_MISSING_HEADER', reason: 'Missing Header', header: 'cseq' };

  if (!listsParse(index.via, parseViaList)) return badHeader('via');
  if (!MemoHeaderField.parse(index.from, parseFromTo)) return badHeader('from');
  if (!MemoHeaderField.parse(index.to, parseFromTo)) return badHeader('to');
  // Call-ID = word [ "@" word ]: no whitespace, not empty.
  if (!isCallId(index.callId.value)) return badHeader('call-id');
  const cseq = MemoHeaderField.parse(index.cseq, parseCSeq);
  if (!cseq) return badHeader('cseq');
  if (start.kind === 'request' && cseq.method !== start.method) {
    return { code: 'SIP_CSEQ_METHOD_MISMATCH', reason: 'CSeq Method Mismatch', header: 'cseq' };
  }
  if (index.maxForwards && parseBoundedInt(index.maxForwards.value, 255) === undefined) return badHeader('max-forwards');
  if (index.expires && !isDigits(index.expires.value)) return badHeader('expires');
  if (index.contentType && !MemoHeaderField.parse(index.contentType, parseMediaType)) return badHeader('content-type');
  if (!listsParse(index.contact, parseContactList)) return badHeader('contact');
  if (!listsParse(index.route, parseNameAddrList)) return badHeader('route');
  if (!listsParse(index.recordRoute, parseNameAddrList)) return badHeader('record-route');
  if (index.optionTags) {
    // Reported in this order when several are bad, as before.
    for (const k of ['require', 'proxy-require', 'supported']) {
      for (const f of index.optionTags) if (keyOf(f) === k && !MemoHeaderField.parse(f, parseTokenList)) return badHeader(k);
    }
  }
  return undefined;
}

/** Call-ID: non-empty, no whitespace (the same test as /^[^\s]+$/, without a regex). */
function isCallId(v: string): boolean {
  if (v.length === 0) return false;
  for (let i = 0; i < v.length; i++) {
    const c = v.charCodeAt(i);
    if (c > 0x20 && c < 0x7f) continue;
    if (/\s/.test(v[i] as string)) return false;
  }
  return true;
}
