import type { Socket } from 'node:net';
import type { FastifyInstance } from 'fastify';
import pino from 'pino';
import { describe, expect, it } from 'vitest';
import { answerClientError } from './framework-errors.ts';

/** What answerClientError writes on a socket for a parser error with this code. */
function written(code: string | undefined): string | undefined {
  let out: string | undefined;
  const socket = { writable: true, destroyed: false, end: (s: string) => void (out = s), destroy: () => undefined } as unknown as Socket;
  answerClientError.call({ log: pino({ level: 'silent' }) } as unknown as FastifyInstance, Object.assign(new Error('parse error: /api/v1/users/raw'), code ? { code } : {}), socket);
  return out;
}

describe('answerClientError', () => {
  it.each([
    ['HPE_HEADER_OVERFLOW', '431 Request Header Fields Too Large', 'HEADERS_TOO_LARGE'],
    ['ERR_HTTP_REQUEST_TIMEOUT', '408 Request Timeout', 'REQUEST_TIMEOUT'],
    ['HPE_INVALID_METHOD', '400 Bad Request', 'BAD_REQUEST'],
    [undefined, '400 Bad Request', 'BAD_REQUEST'],
  ])('answers %s with %s and the code %s, in the standard shape, and closes', (code, statusLine, apiCode) => {
    const raw = written(code)!;
    const [head, body] = raw.split('\r\n\r\n') as [string, string];
    expect(head.split('\r\n')[0]).toBe(`HTTP/1.1 ${statusLine}`);
    expect(head).toContain('\r\nconnection: close');
    expect(head).toContain(`\r\ncontent-length: ${Buffer.byteLength(body)}`);
    expect(JSON.parse(body)).toEqual({ error: { code: apiCode, message: expect.any(String) } });
    expect(raw).not.toContain('/api/v1/users/raw');
  });

  it('writes nothing on a connection the peer reset', () => {
    expect(written('ECONNRESET')).toBeUndefined();
  });
});
