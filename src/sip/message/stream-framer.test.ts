import { describe, expect, it } from 'vitest';
import { DEFAULT_PARSE_LIMITS, StreamFramer, parseMessage, type FramerEvent } from './index.ts';

const msg = (body: string, extra = ''): Buffer =>
  Buffer.from(
    [
      'MESSAGE sip:101@pbx.example.com SIP/2.0',
      'Via: SIP/2.0/TCP 192.0.2.10:5060;branch=z9hG4bK1',
      'To: <sip:101@pbx.example.com>',
      'From: <sip:102@pbx.example.com>;tag=1',
      'Call-ID: c1',
      'CSeq: 1 MESSAGE',
      'Content-Type: text/plain',
      `Content-Length: ${Buffer.byteLength(body)}`,
      ...(extra ? [extra] : []),
      '',
      body,
    ].join('\r\n'),
  );

function kinds(events: FramerEvent[]): string[] {
  return events.map((e) => (e.kind === 'message' ? `message:${parseMessage(e.bytes).ok ? 'ok' : 'bad'}` : 'keepalive'));
}

describe('StreamFramer (RFC 3261 18.3)', () => {
  it('cuts pipelined messages wherever the chunk boundaries fall', () => {
    const stream = Buffer.concat([msg('hello'), msg(''), msg('a\r\n\r\nb')]);
    for (let split = 1; split < stream.length; split++) {
      const framer = new StreamFramer();
      const a = framer.push(stream.subarray(0, split));
      const b = framer.push(stream.subarray(split));
      const events = [...a.events, ...b.events];
      expect(events.map((e) => (e.kind === 'message' ? e.bytes.length : 0))).toEqual([msg('hello').length, msg('').length, msg('a\r\n\r\nb').length]);
      expect(framer.buffered).toBe(0);
    }
  });

  it('delivers messages one octet at a time', () => {
    const stream = Buffer.concat([msg('one'), msg('two')]);
    const framer = new StreamFramer();
    const events: FramerEvent[] = [];
    for (const byte of stream) events.push(...framer.push(Buffer.from([byte])).events);
    expect(kinds(events)).toEqual(['message:ok', 'message:ok']);
  });

  it('reports CRLFCRLF pings and ignores single CRLF pongs (RFC 5626 3.5.1)', () => {
    const framer = new StreamFramer();
    expect(kinds(framer.push(Buffer.from('\r\n\r\n')).events)).toEqual(['keepalive']);
    expect(kinds(framer.push(Buffer.from('\r\n')).events)).toEqual([]);
    expect(kinds(framer.push(Buffer.concat([Buffer.from('\r\n'), msg('x')])).events)).toEqual(['keepalive', 'message:ok']);
    expect(kinds(framer.push(Buffer.concat([Buffer.from('\r\n'), msg('y')])).events)).toEqual(['message:ok']);
  });

  it('treats a missing Content-Length as an empty body', () => {
    const noLength = Buffer.from(msg('').toString().replace('Content-Length: 0\r\n', ''));
    const framer = new StreamFramer();
    expect(kinds(framer.push(Buffer.concat([noLength, msg('z')])).events)).toEqual(['message:ok', 'message:ok']);
  });

  it('fails for good on a Content-Length it cannot frame, with a 400 to answer', () => {
    const framer = new StreamFramer();
    const bad = Buffer.from(msg('').toString().replace('Content-Length: 0', 'Content-Length: -5'));
    const r = framer.push(Buffer.concat([msg('ok'), bad]));
    expect(kinds(r.events)).toEqual(['message:ok']);
    expect(r.error && [r.error.code, r.error.status]).toEqual(['SIP_BAD_CONTENT_LENGTH', 400]);
    expect(r.error?.request?.method).toBe('MESSAGE');
    expect(framer.push(msg('later')).error?.code).toBe('SIP_BAD_CONTENT_LENGTH');
  });

  it('refuses conflicting Content-Lengths (RFC 4475 3.3.9)', () => {
    const r = new StreamFramer().push(msg('', 'Content-Length: 5'));
    expect(r.error && [r.error.code, r.error.status]).toEqual(['SIP_DUPLICATE_HEADER', 400]);
  });

  it('stops buffering a header block that never ends', () => {
    const limits = { ...DEFAULT_PARSE_LIMITS, maxMessageBytes: 4096 };
    const framer = new StreamFramer(limits);
    const start = Buffer.from('OPTIONS sip:a@b SIP/2.0\r\nVia: SIP/2.0/TCP h;branch=z9hG4bK1\r\n');
    expect(framer.push(start).error).toBeUndefined();
    let error;
    for (let i = 0; i < 100 && !error; i++) error = framer.push(Buffer.from(`X-Filler-${i}: ${'a'.repeat(100)}\r\n`)).error;
    expect(error?.code).toBe('SIP_MESSAGE_TOO_LARGE');
    expect(framer.buffered).toBe(0);
  });

  it('refuses a body larger than the message limit before buffering it', () => {
    const framer = new StreamFramer({ ...DEFAULT_PARSE_LIMITS, maxMessageBytes: 1000 });
    const r = framer.push(Buffer.from(msg('').toString().replace('Content-Length: 0', 'Content-Length: 5000')));
    expect(r.error && [r.error.code, r.error.status]).toEqual(['SIP_BODY_TOO_LARGE', 413]);
  });
});
