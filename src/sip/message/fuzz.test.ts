/**
 * Property test: random and mutated messages into parseMessage() and the
 * StreamFramer. Whatever the bytes, nothing throws, a result always comes
 * back, an accepted message survives serialize -> parse unchanged, and the
 * framer never holds more than the message limit. The PRNG is seeded so a
 * failure names the case that reproduces it; vitest's timeout is the bound
 * on time (a hang fails the run), no timing is asserted.
 */

import { readFileSync, readdirSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import * as sip from './index.ts';
import { DEFAULT_PARSE_LIMITS, StreamFramer, parseMessage, serializeMessage, type SipMessage } from './index.ts';
import { semanticView } from './test-support.ts';

/** xorshift32: small, seeded, good enough to spread mutations. */
function prng(seed: number): () => number {
  let x = seed >>> 0 || 1;
  return () => {
    x ^= x << 13;
    x >>>= 0;
    x ^= x >>> 17;
    x ^= x << 5;
    x >>>= 0;
    return x / 0x100000000;
  };
}

const FIXTURES = fileURLToPath(new URL('../../../test/fixtures/sip/', import.meta.url));
const corpus: Buffer[] = ['rfc4475', 'rfc5118'].flatMap((dir) =>
  readdirSync(FIXTURES + dir)
    .filter((f) => f.endsWith('.dat'))
    .map((f) => readFileSync(`${FIXTURES}${dir}/${f}`)),
);

type Mutation = (b: Buffer, r: () => number) => Buffer;
const pick = <T,>(xs: readonly T[], r: () => number): T => xs[Math.floor(r() * xs.length)] as T;
const at = (b: Buffer, r: () => number): number => Math.floor(r() * Math.max(1, b.length));
const INTERESTING = ['\r\n', '\r\n\r\n', ':', ';', ',', '<', '>', '"', '\\', '[', ']', '%', '%0', ' ', '\t', '\r\n ', '@', '=', '0', '-1', '4294967296', 'SIP/2.0', '\x00', '\xff'];

const mutations: Record<string, Mutation> = {
  bitflip: (b, r) => {
    const c = Buffer.from(b);
    for (let n = 1 + Math.floor(r() * 4); n > 0 && c.length > 0; n--) {
      const i = at(c, r);
      c[i] = (c[i] as number) ^ (1 << Math.floor(r() * 8));
    }
    return c;
  },
  truncate: (b, r) => b.subarray(0, at(b, r)),
  cut: (b, r) => {
    const i = at(b, r);
    return Buffer.concat([b.subarray(0, i), b.subarray(Math.min(b.length, i + 1 + Math.floor(r() * 20)))]);
  },
  insert: (b, r) => {
    const i = at(b, r);
    return Buffer.concat([b.subarray(0, i), Buffer.from(pick(INTERESTING, r), 'latin1'), b.subarray(i)]);
  },
  duplicateHeader: (b, r) => {
    const lines = b.toString('latin1').split('\r\n');
    const end = lines.indexOf('');
    if (end < 2) return b;
    const i = 1 + Math.floor(r() * (end - 1));
    const copies = 1 + Math.floor(r() * 300);
    lines.splice(i, 0, ...new Array<string>(copies).fill(lines[i] as string));
    return Buffer.from(lines.join('\r\n'), 'latin1');
  },
  hugeValue: (b, r) => {
    const lines = b.toString('latin1').split('\r\n');
    const end = lines.indexOf('');
    if (end < 2) return b;
    const i = 1 + Math.floor(r() * (end - 1));
    const fill = pick(['a', ';', ',', '"', '<', '%41', ' ', '0'], r).repeat(1 + Math.floor(r() * 70_000));
    lines[i] = (lines[i] as string) + fill;
    return Buffer.from(lines.join('\r\n'), 'latin1');
  },
  swapLines: (b, r) => {
    const lines = b.toString('latin1').split('\r\n');
    const i = Math.floor(r() * lines.length);
    const j = Math.floor(r() * lines.length);
    [lines[i], lines[j]] = [lines[j] as string, lines[i] as string];
    return Buffer.from(lines.join('\r\n'), 'latin1');
  },
  random: (_b, r) => {
    const n = Math.floor(r() * 2000);
    const c = Buffer.alloc(n);
    for (let i = 0; i < n; i++) c[i] = Math.floor(r() * 256);
    return c;
  },
};

const ACCESSORS = Object.entries(sip).filter(([name, fn]) => name.startsWith('get') && typeof fn === 'function' && name !== 'getHeader' && name !== 'getHeaderFields' && name !== 'getHeaderList') as [string, (m: SipMessage) => unknown][];

/**
 * Runs one input through the parser and returns what went wrong, if anything.
 * (Plain checks rather than expect() per step: this runs tens of thousands of times.)
 */
function checkParse(bytes: Buffer): string | undefined {
  let result: ReturnType<typeof parseMessage>;
  try {
    result = parseMessage(bytes);
  } catch (e) {
    return `parseMessage threw ${String(e)}`;
  }
  if (!result || typeof result.ok !== 'boolean') return 'no result';
  if (!result.ok) {
    const { code, status, request } = result.error;
    if (typeof code !== 'string') return 'error without code';
    if (status !== 'drop' && !(status >= 400 && status < 600)) return `odd status ${String(status)}`;
    // A status to answer always comes with the request to answer.
    if (status !== 'drop') {
      if (!request) return `${code}: status ${status} without a request`;
      try {
        serializeMessage(sip.createResponse(request, status));
      } catch (e) {
        return `answering ${code} threw ${String(e)}`;
      }
    }
    return undefined;
  }
  const msg = result.value;
  try {
    for (const [, fn] of ACCESSORS) fn(msg);
  } catch (e) {
    return `accessor threw ${String(e)}`;
  }
  const again = parseMessage(serializeMessage(msg));
  if (!again.ok) return `re-parse failed: ${again.error.code} ${again.error.header ?? ''}`;
  if (JSON.stringify(semanticView(again.value)) !== JSON.stringify(semanticView(msg))) return 'round trip changed the message';
  return undefined;
}

describe('parser and framer under random and mutated input', () => {
  const seed = 0x5a770;
  const rounds = 1500;

  it(`parseMessage never throws and round-trips what it accepts (seed ${seed}, ${rounds} rounds per mutation)`, () => {
    const r = prng(seed);
    const failures: string[] = [];
    for (const [name, mutate] of Object.entries(mutations)) {
      for (let i = 0; i < rounds; i++) {
        const base = pick(corpus, r);
        let bytes = mutate(base, r);
        if (r() < 0.3) bytes = mutate(bytes, r);
        const problem = checkParse(bytes);
        if (problem && failures.length < 10) failures.push(`${name} #${i}: ${problem} :: ${JSON.stringify(bytes.toString('latin1').slice(0, 300))}`);
      }
    }
    expect(failures).toEqual([]);
  });

  it('the framer never throws and never holds more than the message limit', () => {
    const r = prng(seed + 1);
    const failures: string[] = [];
    const limit = DEFAULT_PARSE_LIMITS.maxMessageBytes;
    for (let round = 0; round < 600; round++) {
      const framer = new StreamFramer();
      const parts: Buffer[] = [];
      for (let n = 1 + Math.floor(r() * 5); n > 0; n--) {
        const m = pick(corpus, r);
        parts.push(r() < 0.5 ? m : pick(Object.values(mutations), r)(m, r));
        if (r() < 0.2) parts.push(Buffer.from('\r\n\r\n'));
      }
      const stream = Buffer.concat(parts);
      let offset = 0;
      while (offset < stream.length) {
        const size = 1 + Math.floor(r() * 3000);
        const chunk = stream.subarray(offset, offset + size);
        offset += size;
        let out: ReturnType<StreamFramer['push']>;
        try {
          out = framer.push(chunk);
        } catch (e) {
          failures.push(`round ${round}: push threw ${String(e)}`);
          break;
        }
        for (const e of out.events) {
          if (e.kind !== 'message') continue;
          if (e.bytes.length > limit) failures.push(`round ${round}: framed ${e.bytes.length} octets`);
          const problem = checkParse(e.bytes);
          if (problem) failures.push(`round ${round}: ${problem}`);
        }
        if (framer.buffered > limit + size) failures.push(`round ${round}: holds ${framer.buffered} octets`);
        if (out.error) break;
      }
    }
    expect(failures.slice(0, 10)).toEqual([]);
  });

  it('survives very large inputs', () => {
    const huge = Buffer.concat([corpus[0] as Buffer, Buffer.alloc(3_000_000, 0x61)]);
    expect(checkParse(huge)).toBeUndefined();
    expect(checkParse(Buffer.alloc(3_000_000, 0x0d))).toBeUndefined();
    expect(checkParse(Buffer.from('\r\n'.repeat(1_000_000)))).toBeUndefined();
    expect(checkParse(Buffer.from('INVITE sip:a@b SIP/2.0\r\n' + 'Via: a\r\n'.repeat(100_000)))).toBeUndefined();
    const framer = new StreamFramer();
    expect(framer.push(Buffer.from('\r\n\r\n'.repeat(100_000))).events).toHaveLength(100_000);
  });
});
