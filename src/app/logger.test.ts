import { Writable } from 'node:stream';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { createLogger } from './logger.ts';
import { scrubError, scrubString } from './phi-scrub.ts';

/** The scrub as it was before its fast path (every object rebuilt): the reference for byte-identical lines. */
const PHI = new Set(['email', 'name', 'displayname', 'firstname', 'lastname', 'phone', 'phonenumber', 'number', 'from', 'to', 'caller', 'callerid', 'callee', 'uri', 'contact', 'body', 'text', 'transcript', 'password', 'sippassword', 'secret', 'token', 'apitoken', 'authorization', 'cookie', 'set-cookie', 'pin', 'voicemailpin', 'totpsecret', 'url']);
function rebuilt(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubString(value);
  if (value === null || typeof value !== 'object' || depth > 6) return value;
  if (Array.isArray(value)) return value.map((v) => rebuilt(v, depth + 1));
  if (value instanceof Error) return scrubError(value);
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(value)) out[k] = PHI.has(k.toLowerCase()) && v !== null && v !== undefined ? '[redacted]' : rebuilt(v, depth + 1);
  return out;
}

function sink(): { stream: Writable; lines: string[] } {
  const lines: string[] = [];
  const stream = new Writable({
    write(chunk: Buffer, _enc, done) {
      lines.push(chunk.toString('utf8'));
      done();
    },
  });
  return { stream, lines };
}

/** A line without its clock, which differs between two loggers. */
const timeless = (line: string): string => line.replace(/"time":\d+,/, '');

describe('createLogger', () => {
  it('writes byte for byte the line the rebuilding scrub wrote, for the same input', () => {
    const ours = sink();
    const ref = sink();
    const logger = createLogger('info', ours.stream);
    const reference = pino(
      {
        level: 'info',
        base: { app: 'sotto' },
        serializers: { err: (e: Error) => scrubError(e) },
        formatters: { log: (obj) => rebuilt(obj) as Record<string, unknown> },
        hooks: {
          logMethod(args, method) {
            method.apply(this, args.map((a) => (typeof a === 'string' ? scrubString(a) : a)) as typeof args);
          },
        },
      },
      ref.stream,
    );
    const cyclic: Record<string, unknown> = { id: 'x' };
    cyclic.self = cyclic;
    const err = Object.assign(new Error('refused for tel:+15550123456'), { code: 'E_X' });
    const inputs: unknown[][] = [
      [{ event: 'call.setup', callId: 'c1', ms: 12 }, 'call %s set up', 'c1'],
      [{ legs: [{ id: 'a', status: 200 }, { id: 'b', status: 487 }], nested: { a: { b: { c: 'd' } } } }, 'legs'],
      [{ Email: 'jane@example.org', callerId: '5550123456', note: 'from (555) 012-3456' }, 'dial %s', '+15550123456'],
      [{ at: new Date(0), url: new URL('https://clinic.example/x'), buf: Buffer.from('ab'), n: 1n === 1n ? 5 : 0 }],
      [{ err }, 'failed'],
      [{ cause: err, list: ['sip:bob@clinic.example', 7, null, undefined, { to: 'x' }] }],
      [{ a: { b: { c: { d: { e: { f: { g: { h: { i: 'sip:x@y' } } } } } } } } }],
      [{ cyclic }],
      [{ toJSON: () => ({ shown: 'sip:a@b' }), id: 1 }],
      ['plain message from sip:alice@clinic.example'],
      [{ empty: {}, none: null, gone: undefined, arr: [] }],
      [Object.assign(Object.create(null) as object, { id: 'n', phone: '1' })],
    ];
    for (const args of inputs) {
      (logger.info as (...a: unknown[]) => void)(...args);
      (reference.info as (...a: unknown[]) => void)(...args);
    }
    expect(ours.lines).toHaveLength(inputs.length);
    expect(ours.lines.map(timeless)).toEqual(ref.lines.map(timeless));
  });

  it('an Error logged on its own does not carry its message into the line unscrubbed', () => {
    const out = sink();
    const logger = createLogger('info', out.stream);
    logger.info(Object.assign(new Error('refused for tel:+15550123456 (jane@example.org)'), { code: 'E_X' }));
    expect(out.lines).toHaveLength(1);
    const line = out.lines[0]!;
    expect(line).not.toMatch(/5550123456|jane@example\.org/);
    const parsed = JSON.parse(line) as { msg: string; err: { code?: string } };
    expect(parsed.msg).toContain('[redacted]');
    expect(parsed.err.code).toBe('E_X');
  });
});
