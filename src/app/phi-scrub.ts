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

const PATTERNS: RegExp[] = [
  /\b(?:sips?|tel):[^\s"'<>]+/gi,
  /[A-Za-z0-9._%+-]+@[A-Za-z0-9.-]+\.[A-Za-z]{2,}/g,
  // 7+ digits, optionally with + ( ) . - and spaces between, not part of an id.
  /(?<![\w-])\+?\d(?:[\s().-]*\d){6,}(?![\w-])/g,
];

export function scrubString(s: string): string {
  let out = s;
  for (const p of PATTERNS) out = out.replace(p, REDACTED);
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
