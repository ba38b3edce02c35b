/**
 * Audit events record who did what to which object, never the PHI itself.
 * `details` is for ids, codes, counts and flags; this guard refuses values
 * that look like PHI before they reach the log: phone numbers, email
 * addresses, SIP/tel URIs and free text (anything with whitespace). It is a
 * seatbelt, not a proof: a bare surname passes. Numeric ids belong in JSON
 * numbers; a string of 7-15 digits is taken for a phone number.
 */
import { canonicalJson, type CanonicalValue } from './canonical.ts';
import { AuditError } from './errors.ts';

export type AuditDetailValue = null | boolean | number | string | AuditDetailValue[] | { [key: string]: AuditDetailValue };
export type AuditDetails = { [key: string]: AuditDetailValue };

export type PhiKind = 'phone' | 'email' | 'sip_uri' | 'free_text';

const MAX_DEPTH = 4;
const MAX_STRING = 256;
const MAX_DETAILS_BYTES = 4096;
const KEY = /^[A-Za-z][A-Za-z0-9_]{0,63}$/;

/** Returns what kind of PHI a string looks like, or null if it looks like an id or a code. */
export function phiKindOf(s: string): PhiKind | null {
  if (/[\s\u0085\u2028\u2029]/u.test(s)) return 'free_text';
  if (/^(sips?|tel):/i.test(s) || /[;<]?sips?:[^\s]/i.test(s)) return 'sip_uri';
  if (s.includes('@')) return 'email';
  if (looksLikePhone(s)) return 'phone';
  return null;
}

function looksLikePhone(s: string): boolean {
  if (/\+\d{7,15}/.test(s)) return true; // E.164 anywhere, e.g. "from:+15551234567"
  if (!/^\+?[\d().\-/]+$/.test(s)) return false;
  if (/^\d{1,3}(\.\d{1,3}){3}$/.test(s)) return false; // IPv4 address
  if (/^\d{4}-\d{2}-\d{2}$/.test(s)) return false; // calendar date
  const digits = s.replace(/\D/g, '').length;
  return digits >= 7 && digits <= 15;
}

/** Checks one id-like string (actor id, object id). */
export function assertIdentifier(value: unknown, path: string): asserts value is string {
  if (typeof value !== 'string' || value.length === 0 || value.length > MAX_STRING) {
    throw new AuditError('AUDIT_EVENT_INVALID', `${path} must be a non-empty string of at most ${MAX_STRING} characters`, path);
  }
  const kind = phiKindOf(value);
  if (kind !== null) throw new AuditError('AUDIT_PHI_SUSPECTED', `${path} looks like ${kind}`, path);
}

/** Validates `details` and returns it unchanged; throws AuditError on anything suspicious. */
export function assertSafeDetails(details: unknown): AuditDetails {
  if (details === undefined) return {};
  if (!isPlainObject(details)) throw new AuditError('AUDIT_DETAILS_INVALID', 'details must be a plain object', 'details');
  walk(details, 'details', 0);
  if (Buffer.byteLength(canonicalJson(details as CanonicalValue)) > MAX_DETAILS_BYTES) {
    throw new AuditError('AUDIT_DETAILS_INVALID', `details exceed ${MAX_DETAILS_BYTES} bytes`, 'details');
  }
  return structuredClone(details) as AuditDetails;
}

function walk(value: unknown, path: string, depth: number): void {
  if (depth > MAX_DEPTH) throw new AuditError('AUDIT_DETAILS_INVALID', 'details nest too deep', path);
  if (value === null || typeof value === 'boolean') return;
  if (typeof value === 'number') {
    if (!Number.isSafeInteger(value)) throw new AuditError('AUDIT_DETAILS_INVALID', 'numbers must be safe integers', path);
    return;
  }
  if (typeof value === 'string') {
    if (value.length > MAX_STRING) throw new AuditError('AUDIT_DETAILS_INVALID', 'string too long for an id or code', path);
    const kind = phiKindOf(value);
    if (kind !== null) throw new AuditError('AUDIT_PHI_SUSPECTED', `${path} looks like ${kind}`, path);
    return;
  }
  if (Array.isArray(value)) {
    value.forEach((v, i) => walk(v, `${path}[${i}]`, depth + 1));
    return;
  }
  if (isPlainObject(value)) {
    for (const [k, v] of Object.entries(value)) {
      if (!KEY.test(k)) throw new AuditError('AUDIT_DETAILS_INVALID', 'detail keys must be identifiers', path);
      walk(v, `${path}.${k}`, depth + 1);
    }
    return;
  }
  throw new AuditError('AUDIT_DETAILS_INVALID', `unsupported value type ${typeof value}`, path);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (typeof v !== 'object' || v === null || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v);
  return proto === Object.prototype || proto === null;
}
