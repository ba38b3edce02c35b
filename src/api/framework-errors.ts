// Answers given before any route runs, in the API's error shape and with
// codes from the catalogue. Fastify's own bodies for these quote the URL
// ("'/api/v1/users/...' is not a valid url component"), and a URL can carry
// what a user typed, so none of them goes out or into the log.
//
// Two places:
//  - frameworkErrors: the router could not match the path (a parameter that
//    is not percent-encoded UTF-8, or over maxParamLength). The request was
//    read, headers and all, so it is authenticated first, as a routed one
//    would be: without valid credentials it is a 401 (or the session's own
//    401/403), and only then a 400 on the path.
//  - clientError: Node's HTTP parser refused the bytes (headers over 16 KiB,
//    a raw non-ASCII byte in the path, what follows a body longer than its
//    Content-Length) or they did not arrive in time. There is no request to
//    authenticate (no method, URL or headers were parsed), so the answer is
//    the 400, 408 or 431 alone, written on the socket, which then closes.
import { ServerResponse, STATUS_CODES } from 'node:http';
import type { Socket } from 'node:net';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { statusOf, type ApiErrorCode } from './error-codes.ts';
import { errorBody, handleError } from './errors.ts';

/** The headers every API answer carries: server.ts's onSend sets them where a route did not; these answers do not pass through it. */
export const STANDARD_HEADERS: Readonly<Record<string, string>> = Object.freeze({ 'x-content-type-options': 'nosniff', 'referrer-policy': 'no-referrer', 'cache-control': 'no-store' });

const PATH_ISSUES: Record<string, { rule: string; message: string }> = {
  FST_ERR_BAD_URL: { rule: 'encoding', message: 'a path segment is not percent-encoded UTF-8' },
  FST_ERR_MAX_PARAM_LENGTH: { rule: 'maxLength', message: 'a path segment is over 100 characters' },
};

/** Fastify's `frameworkErrors` option: `authenticate` is the API's onRequest step (principal.ts). */
export function answerFrameworkError(authenticate: (request: FastifyRequest) => Promise<void>) {
  return (error: FastifyError, request: FastifyRequest, reply: FastifyReply): void => {
    void reply.headers(STANDARD_HEADERS);
    const issue = PATH_ISSUES[error.code];
    // The route pattern is unknown (that is the failure), so the log has the method and Fastify's code only.
    const logged = () => request.log.info({ method: request.method, route: 'unmatched', status: reply.statusCode, code: error.code }, 'http');
    if (!issue) {
      // FST_ERR_ASYNC_CONSTRAINT: no route of Sotto's has an async constraint, so this is a bug.
      request.log.error({ code: error.code }, 'router error');
      handleError(new Error(error.code), request, reply);
      return logged();
    }
    const api = request.raw.url?.startsWith('/api/') ?? false;
    (api ? authenticate(request) : Promise.resolve()).then(
      () => {
        const issues = [{ path: 'params', ...issue }];
        void reply.status(statusOf('VALIDATION_FAILED')).send(errorBody('VALIDATION_FAILED', `invalid request params: ${issue.message}`, { issues }));
        logged();
      },
      (refused: Error) => {
        handleError(refused, request, reply);
        logged();
      },
    );
  };
}

const CLIENT_ERRORS: Record<string, ApiErrorCode> = { HPE_HEADER_OVERFLOW: 'HEADERS_TOO_LARGE', ERR_HTTP_REQUEST_TIMEOUT: 'REQUEST_TIMEOUT' };

const CLIENT_MESSAGES: Partial<Record<ApiErrorCode, string>> = {
  HEADERS_TOO_LARGE: 'the request line and headers are over 16 KiB',
  REQUEST_TIMEOUT: 'the request did not arrive in time',
  BAD_REQUEST: 'the request is not HTTP this server can read',
};

/** Fastify's `clientErrorHandler` option (bound to the Fastify instance, as Fastify's own is). */
export function answerClientError(this: FastifyInstance, err: Error & { code?: string }, socket: Socket): void {
  // A connection reset: nobody is left to answer.
  if (err.code === 'ECONNRESET' || socket.destroyed) return;
  const code = CLIENT_ERRORS[err.code ?? ''] ?? 'BAD_REQUEST';
  // The parser's code only: the error carries the raw bytes read (rawPacket).
  this.log.info({ status: statusOf(code), code: err.code ?? 'none' }, 'http client error');
  if (!socket.writable) return void socket.destroy();
  const body = JSON.stringify(errorBody(code, CLIENT_MESSAGES[code] ?? code));
  const status = statusOf(code);
  const head = [
    `HTTP/1.1 ${status} ${STATUS_CODES[status]}`,
    'content-type: application/json; charset=utf-8',
    `content-length: ${Buffer.byteLength(body)}`,
    ...Object.entries(STANDARD_HEADERS).map(([k, v]) => `${k}: ${v}`),
    'connection: close',
  ];
  const answer = () => socket.end(`${head.join('\r\n')}\r\n\r\n${body}`);
  // Bytes that are not HTTP after a request that was read (the tail of a body longer than its
  // Content-Length, garbage pipelined behind it): that request's answer goes out first, then this
  // one. Node keeps the response in progress on the socket (an undocumented field, so checked).
  const inFlight = (socket as Socket & { _httpMessage?: unknown })._httpMessage;
  if (inFlight instanceof ServerResponse && !inFlight.writableFinished) {
    inFlight.once('close', () => (socket.writable ? answer() : socket.destroy()));
    return;
  }
  answer();
}
