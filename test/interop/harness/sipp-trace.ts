// Reads sipp's -trace_msg file back into SIP messages, so a test can assert
// the exact flow sipp saw. sipp 3.6 writes one block per message:
//
//   ----------------------------------------------- 2026-11-28 02:38:59.867598
//   UDP message sent (542 bytes):
//   <blank>
//   REGISTER sip:example.test SIP/2.0
//   ...headers...
//
// and "UDP message received [401] bytes :" for what arrived. An unexpected
// message is written twice: once as received, once under "Unexpected UDP
// message received:"; the second copy is reported apart, not as traffic.

export type TraceDirection = 'sent' | 'received';

export interface TracedHeader {
  name: string;
  value: string;
}

export interface TracedSipMessage {
  direction: TraceDirection;
  transport: string;
  /** "REGISTER sip:example.test SIP/2.0" or "SIP/2.0 401 Unauthorized". */
  firstLine: string;
  /** Request method, undefined for a response. */
  method: string | undefined;
  /** Response status code, undefined for a request. */
  status: number | undefined;
  /** Headers in wire order, names as sent. */
  headers: TracedHeader[];
  body: string;
}

export interface ParsedTrace {
  messages: TracedSipMessage[];
  /** First lines of messages sipp did not expect at that point of the scenario. */
  unexpected: string[];
}

const SEPARATOR = /^-{20,}/;
const BLOCK_HEAD = /^(Unexpected )?(UDP|TCP|TLS|SCTP) message (sent|received)\b/;

/** RFC 3261 7.3.3 compact header forms, for `headerValues`. */
const COMPACT: Record<string, string> = {
  i: 'call-id',
  m: 'contact',
  e: 'content-encoding',
  l: 'content-length',
  c: 'content-type',
  f: 'from',
  s: 'subject',
  k: 'supported',
  t: 'to',
  v: 'via',
};

function canonicalName(name: string): string {
  const lower = name.toLowerCase();
  return COMPACT[lower] ?? lower;
}

export function parseSippTrace(text: string): ParsedTrace {
  const messages: TracedSipMessage[] = [];
  const unexpected: string[] = [];
  const lines = text.replace(/\r/g, '').split('\n');
  let i = 0;
  while (i < lines.length) {
    const head = BLOCK_HEAD.exec(lines[i] ?? '');
    if (!head) {
      i++;
      continue;
    }
    const [, unexpectedMark, transport = '', direction = ''] = head;
    i++;
    // Skip the blank line(s) before the message itself.
    while (i < lines.length && (lines[i] ?? '') === '') i++;
    const block: string[] = [];
    while (i < lines.length && !SEPARATOR.test(lines[i] ?? '')) block.push(lines[i++] ?? '');
    const msg = parseSipMessageLines(block, direction as TraceDirection, transport);
    if (!msg) continue;
    if (unexpectedMark) unexpected.push(msg.firstLine);
    else messages.push(msg);
  }
  return { messages, unexpected };
}

/** One SIP message as text lines (start line, headers, blank, body). */
export function parseSipMessageLines(block: readonly string[], direction: TraceDirection, transport: string): TracedSipMessage | undefined {
  const firstLine = (block[0] ?? '').trim();
  if (firstLine === '') return undefined;
  const headers: TracedHeader[] = [];
  let j = 1;
  for (; j < block.length; j++) {
    const line = block[j] ?? '';
    if (line === '') break;
    if (/^[ \t]/.test(line) && headers.length > 0) {
      // RFC 3261 7.3.1: a line starting with whitespace continues the header.
      const last = headers[headers.length - 1];
      if (last) last.value += ` ${line.trim()}`;
      continue;
    }
    const colon = line.indexOf(':');
    if (colon <= 0) continue;
    headers.push({ name: line.slice(0, colon).trim(), value: line.slice(colon + 1).trim() });
  }
  const body = block.slice(j + 1).join('\n').replace(/\n+$/, '');
  const status = /^SIP\/2\.0 (\d{3})\b/.exec(firstLine);
  return {
    direction,
    transport,
    firstLine,
    method: status ? undefined : firstLine.split(' ')[0],
    status: status ? Number(status[1]) : undefined,
    headers,
    body,
  };
}

/** Every value of a header (case-insensitive, compact forms folded in). */
export function headerValues(msg: TracedSipMessage, name: string): string[] {
  const want = canonicalName(name);
  return msg.headers.filter((h) => canonicalName(h.name) === want).map((h) => h.value);
}

/** The single value of a header, or undefined when absent. */
export function headerValue(msg: TracedSipMessage, name: string): string | undefined {
  return headerValues(msg, name)[0];
}

export interface ContactBinding {
  /** The URI inside <…> (or the bare URI). */
  uri: string;
  /** The expires parameter, when present. */
  expires: number | undefined;
}

/**
 * The bindings a REGISTER response lists (RFC 3261 10.3 step 8): every
 * Contact header, each split at commas outside <…> and quotes.
 */
export function contactBindings(msg: TracedSipMessage): ContactBinding[] {
  const out: ContactBinding[] = [];
  for (const value of headerValues(msg, 'contact')) {
    let depth = 0;
    let quoted = false;
    let start = 0;
    const parts: string[] = [];
    for (let k = 0; k < value.length; k++) {
      const ch = value[k];
      if (ch === '"') quoted = !quoted;
      else if (!quoted && ch === '<') depth++;
      else if (!quoted && ch === '>') depth--;
      else if (!quoted && depth === 0 && ch === ',') {
        parts.push(value.slice(start, k));
        start = k + 1;
      }
    }
    parts.push(value.slice(start));
    for (const raw of parts.map((p) => p.trim()).filter((p) => p !== '' && p !== '*')) {
      const angle = /<([^>]*)>(.*)$/.exec(raw);
      const uri = angle ? (angle[1] ?? '') : (raw.split(';')[0] ?? '');
      const params = angle ? (angle[2] ?? '') : raw.slice(uri.length);
      const exp = /;\s*expires\s*=\s*(\d+)/i.exec(params);
      out.push({ uri, expires: exp ? Number(exp[1]) : undefined });
    }
  }
  return out;
}

/** The Digest challenge parameters of a 401/407 (RFC 3261 22.4, RFC 7616 3.3). */
export function digestChallenges(msg: TracedSipMessage): Array<Record<string, string>> {
  return [...headerValues(msg, 'www-authenticate'), ...headerValues(msg, 'proxy-authenticate')]
    .filter((v) => /^digest\s/i.test(v))
    .map((v) => {
      const params: Record<string, string> = {};
      const text = v.slice(6);
      const re = /([A-Za-z0-9_-]+)\s*=\s*("((?:[^"\\]|\\.)*)"|[^,\s]+)/g;
      for (let m = re.exec(text); m; m = re.exec(text)) {
        const key = (m[1] ?? '').toLowerCase();
        params[key] = m[3] !== undefined ? m[3] : (m[2] ?? '');
      }
      return params;
    });
}

/**
 * The flow as short lines ("> REGISTER", "< 401", …): what a test compares
 * against the expected exchange, and what a failure prints first.
 */
export function flowSummary(messages: readonly TracedSipMessage[]): string[] {
  return messages.map((m) => (m.direction === 'sent' ? '> ' : '< ') + (m.status !== undefined ? String(m.status) : (m.method ?? '?')));
}

/** A human-readable dump of the messages, for failure output. */
export function formatTrace(messages: readonly TracedSipMessage[]): string {
  return messages
    .map((m) => {
      const arrow = m.direction === 'sent' ? '>>> sent' : '<<< received';
      const hdrs = m.headers.map((h) => `  ${h.name}: ${h.value}`).join('\n');
      return `${arrow} (${m.transport})\n  ${m.firstLine}\n${hdrs}${m.body ? `\n\n  ${m.body.replace(/\n/g, '\n  ')}` : ''}`;
    })
    .join('\n\n');
}
