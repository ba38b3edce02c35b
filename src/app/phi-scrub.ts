// Log hygiene: nothing that could identify a patient reaches a log line.
// Loggers get ids and codes by convention; this is the net under that
// convention: it blanks fields whose names say PHI and any string that looks
// like a phone number, email address or SIP/tel URI.

const REDACTED = '[redacted]';

const PHI_KEYS = new Set(
  [
    'email',
    'name',
    'displayname',
    'firstname',
    'lastname',
    'phone',
    'phonenumber',
    'number',
    'from',
    'to',
    'caller',
    'callerid',
    'callee',
    'uri',
    'contact',
    'body',
    'text',
    'transcript',
    'password',
    'sippassword',
    'secret',
    'token',
    'apitoken',
    'authorization',
    'cookie',
    'set-cookie',
    'pin',
    'voicemailpin',
    'totpsecret',
    'url',
  ].map((k) => k.toLowerCase()),
);

// Each pattern with what a string must hold for it to match at all: a URI a
// ':', an email an '@', a number seven digits (`\d` without the u flag is
// ASCII only). Most log strings are event names, ids and codes; the email
// pattern backtracks over every start of a long id, so it runs only where
// an '@' is.
const URI = /\b(?:sips?|tel):[^\s"'<>]+/gi;
const EMAIL = /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g;
// 7+ digits, optionally with + ( ) . - and spaces between, not part of an id.
const NUMBER = /(?<![\w-])\+?\d(?:[\s().-]*\d){6,}(?![\w-])/g;

export function scrubString(s: string): string {
  let colon = false;
  let at = false;
  let digits = 0;
  for (let i = 0; i < s.length; i++) {
    const c = s.charCodeAt(i);
    if (c === 0x3a) colon = true;
    else if (c === 0x40) at = true;
    else if (c >= 0x30 && c <= 0x39) digits++;
  }
  let out = s;
  if (colon) out = out.replace(URI, REDACTED);
  if (at) out = out.replace(EMAIL, REDACTED);
  if (digits >= 7) out = out.replace(NUMBER, REDACTED);
  return out;
}

/**
 * A log object with PHI blanked. An object or array with nothing to blank is
 * returned as it is (the common case: ids and codes), so a log line costs no
 * copy; otherwise the copy is made as it always was, and its JSON is the
 * same either way. Only what the copy would render identically is passed
 * through: plain objects and arrays, fully seen within the depth limit.
 * Errors, class instances (a Date or URL copies to `{}`), own `toJSON`
 * methods, and anything reaching past the depth limit (where a cycle could
 * be) are copied.
 */
export function scrubPhi(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return isClean(value, depth) ? value : value.map((v) => scrubPhi(v, depth + 1));
  if (value instanceof Error) return scrubError(value);
  if (isClean(value, depth)) return value;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = isPhiKey(k) && v !== null && v !== undefined ? REDACTED : scrubPhi(v, depth + 1);
  }
  return out;
}

const hasOwn = Object.prototype.hasOwnProperty;

/** Whether scrubPhi(value, depth) would render as `value` does: a plain object or array, nothing to blank, nothing past the depth limit. */
function isClean(value: object, depth: number): boolean {
  if (depth > 6) return false;
  if (Array.isArray(value)) {
    if (Object.getPrototypeOf(value) !== Array.prototype || hasOwn.call(value, 'toJSON')) return false;
    for (let i = 0; i < value.length; i++) if (!isCleanValue(value[i], depth + 1)) return false;
    return true;
  }
  const proto: unknown = Object.getPrototypeOf(value);
  if (proto !== Object.prototype && proto !== null) return false;
  if (hasOwn.call(value, 'toJSON')) return false;
  for (const k in value) {
    if (!hasOwn.call(value, k)) continue;
    const v = (value as Record<string, unknown>)[k];
    if (v !== null && v !== undefined && v !== REDACTED && isPhiKey(k)) return false;
    if (!isCleanValue(v, depth + 1)) return false;
  }
  return true;
}

function isCleanValue(v: unknown, depth: number): boolean {
  if (typeof v === 'string') return scrubString(v) === v;
  if (v === null || typeof v !== 'object') return true;
  return isClean(v, depth);
}

/**
 * PHI_KEYS.has(key.toLowerCase()), remembered per key: log keys are a small
 * set of names in code, and a camelCase one would otherwise cost a
 * lower-cased copy on every line. Bounded, as keys could come from a peer.
 */
const phiKeyMemo = new Map<string, boolean>();
function isPhiKey(key: string): boolean {
  let phi = phiKeyMemo.get(key);
  if (phi === undefined) {
    phi = PHI_KEYS.has(key.toLowerCase());
    if (phiKeyMemo.size < 4096) phiKeyMemo.set(key, phi);
  }
  return phi;
}

/** Errors keep their type, code and a scrubbed message; driver details (which may quote values) are dropped. */
export function scrubError(err: Error): Record<string, unknown> {
  const code = (err as { code?: unknown }).code;
  return {
    type: err.name,
    ...(typeof code === 'string' ? { code } : {}),
    message: scrubString(err.message),
    stack: err.stack ? scrubString(err.stack) : undefined,
  };
}
