// Requests Fastify or Node's HTTP parser answer themselves, before any route:
// a path segment that is not percent-encoded UTF-8, one over 100 characters,
// a request line and headers over 16 KiB, bytes that are not HTTP (a raw 0xFF
// in the path, the rest of a body longer than its Content-Length). They
// used to get Fastify's own bodies ({"error":"Bad Request","code":
// "FST_ERR_BAD_URL","message":"'/api/v1/users/%FF%FE' is not a valid url
// component"}, echoing the URL, which may carry PHI) and answered before
// authentication. Now: the API's error shape and catalogue codes, never the
// URL, in the body or the log; and a 401 first wherever the request could be
// read far enough to authenticate it.
import { connect } from 'node:net';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { API_ERROR_CODES, type ApiErrorCode } from '../../src/api/error-codes.ts';
import { bearer, createTestApi, type TestApi } from '../support/api.ts';
import { DIALECTS } from '../support/db.ts';

const LONG_ID = 'a'.repeat(101);

/** Every HTTP response on a connection the server closes, from raw bytes sent on it (not half-closed: a client waiting for its answers). */
async function rawExchange(port: number, bytes: Buffer): Promise<Array<{ status: number; headers: Record<string, string>; body: string }>> {
  const data = await new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    const socket = connect(port, '127.0.0.1', () => socket.write(bytes));
    socket.on('data', (c) => chunks.push(c));
    socket.on('error', reject);
    socket.on('close', () => resolve(Buffer.concat(chunks)));
  });
  const out: Array<{ status: number; headers: Record<string, string>; body: string }> = [];
  let rest = data.toString('latin1');
  while (rest.startsWith('HTTP/1.1 ')) {
    const end = rest.indexOf('\r\n\r\n');
    const [statusLine, ...lines] = rest.slice(0, end).split('\r\n');
    const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
    const length = Number(headers['content-length'] ?? 0);
    out.push({ status: Number(statusLine!.split(' ')[1]), headers, body: rest.slice(end + 4, end + 4 + length) });
    rest = rest.slice(end + 4 + length);
  }
  return out;
}

function expectStandard(status: number, body: string, code: ApiErrorCode): void {
  expect(API_ERROR_CODES[code].status).toBe(status);
  const json = JSON.parse(body);
  expect(Object.keys(json)).toEqual(['error']);
  expect(json.error.code).toBe(code);
  expect(typeof json.error.message).toBe('string');
}

describe.each(DIALECTS)('answers Fastify and Node give before a route, on %s', (dialect) => {
  let t: TestApi;
  let port: number;
  beforeAll(async () => {
    t = await createTestApi(dialect);
    await t.app.listen({ port: 0, host: '127.0.0.1' });
    port = (t.app.server.address() as { port: number }).port;
  });
  afterAll(() => t.close());

  const paths = ['/api/v1/users/%FF%FE', '/api/v1/users/%zz/devices', `/api/v1/users/${LONG_ID}`, `/api/v1/voicemails/${LONG_ID}/audio`];

  it('asks for credentials first: a bad or overlong id without a token is 401', async () => {
    for (const url of paths) {
      const r = await t.app.inject({ method: 'GET', url });
      expect([r.statusCode, r.json().error?.code], `${url}: ${r.body}`).toEqual([401, 'UNAUTHENTICATED']);
    }
    for (const url of ['/api/v1/devices/%FF%FE', `/api/v1/voicemails/${LONG_ID}`]) {
      const r = await t.app.inject({ method: 'DELETE', url });
      expect([r.statusCode, r.json().error?.code], `DELETE ${url}: ${r.body}`).toEqual([401, 'UNAUTHENTICATED']);
    }
    const revoked = await t.app.inject({ method: 'GET', url: paths[0]!, headers: bearer('sotto_not-a-real-token-at-all-not-a-real-token-at-all') });
    expect(revoked.json().error.code).toBe('UNAUTHENTICATED');
  });

  it('then answers 400 VALIDATION_FAILED on the path, in the standard shape, without echoing the URL', async () => {
    for (const url of paths) {
      const r = await t.app.inject({ method: 'GET', url, headers: bearer(t.ownerToken) });
      expectStandard(r.statusCode, r.body, 'VALIDATION_FAILED');
      expect(r.json().error.details.issues[0].path, url).toBe('params');
      expect(r.body).not.toContain('%FF');
      expect(r.body).not.toContain('%zz');
      expect(r.body).not.toContain('aaaaaaaaaa');
      expect(r.headers['x-content-type-options']).toBe('nosniff');
      expect(r.headers['cache-control']).toBe('no-store');
    }
    expect(t.logText()).not.toContain('%FF%FE');
    expect(t.logText()).not.toContain('aaaaaaaaaa');
    expect(t.logText()).toContain('"code":"FST_ERR_BAD_URL"');
  });

  it('answers a request line and headers over 16 KiB with 431 HEADERS_TOO_LARGE, not echoing the query', async () => {
    const [r] = await rawExchange(port, Buffer.from(`GET /api/v1/audit-events?limit=${'Z'.repeat(17 * 1024)} HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.ownerToken}\r\n\r\n`));
    expect(r!.status).toBe(431);
    expectStandard(r!.status, r!.body, 'HEADERS_TOO_LARGE');
    expect(r!.body).not.toContain('ZZZZ');
    expect(r!.headers['content-type']).toBe('application/json; charset=utf-8');
  });

  it('answers bytes that are not HTTP with 400 BAD_REQUEST in the standard shape (the request cannot be read, so not 401)', async () => {
    const raw = Buffer.concat([Buffer.from('GET /api/v1/users/'), Buffer.from([0xff, 0xfe]), Buffer.from(' HTTP/1.1\r\nHost: x\r\n\r\n')]);
    const [r] = await rawExchange(port, raw);
    expectStandard(r!.status, r!.body, 'BAD_REQUEST');
  });

  it('answers a body longer than its Content-Length as the request it declared, in the standard shape, then closes', async () => {
    const body = JSON.stringify({ name: 'Cedar Family Medicine' });
    const request = `PATCH /api/v1/practice HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer ${t.ownerToken}\r\nContent-Type: application/json\r\nContent-Length: 3\r\n\r\n${body}`;
    const answers = await rawExchange(port, Buffer.from(request));
    // The 3 declared bytes are broken JSON; the tail is not HTTP. The request's own answer is not lost
    // to the tail's (it was: the parser's error closed the socket first), and whatever else comes is standard too.
    expect(answers.length).toBeGreaterThanOrEqual(1);
    expect(JSON.parse(answers[0]!.body).error.message).toBe('the request could not be parsed');
    for (const a of answers) expectStandard(a.status, a.body, 'BAD_REQUEST');
  });
});
