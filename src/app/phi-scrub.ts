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

export function scrubPhi(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return value.map((v) => scrubPhi(v, depth + 1));
  if (value instanceof Error) return scrubError(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) {
    out[k] = PHI_KEYS.has(k.toLowerCase()) && v !== null && v !== undefined ? REDACTED : scrubPhi(v, depth + 1);
  }
  return out;
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
