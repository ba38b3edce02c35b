// How the API reads a request body. JSON is UTF-8 (RFC 8259 8.1) and is
// refused otherwise: Fastify's own parser decoded any bytes with replacement,
// so a Latin-1 name was stored with U+FFFD in it and answered 200. And a body
// is read as it was sent: no content coding is undone, so a compressed body
// is refused rather than parsed as if it were plain.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { ApiError } from './errors.ts';

/** The WHATWG Encoding labels of UTF-8 a client might send as the charset. */
const UTF8_LABELS = new Set(['utf-8', 'utf8', 'unicode-1-1-utf-8']);

/** The charset parameter of a Content-Type, lower-cased and unquoted; undefined when there is none. */
export function charsetOf(contentType: string | undefined): string | undefined {
  for (const param of (contentType ?? '').split(';').slice(1)) {
    const eq = param.indexOf('=');
    if (eq < 0 || param.slice(0, eq).trim().toLowerCase() !== 'charset') continue;
    return param.slice(eq + 1).trim().replace(/^"(.*)"$/, '$1').toLowerCase();
  }
  return undefined;
}

/**
 * Replaces Fastify's application/json parser with one that decodes strictly.
 * The size limit is the parser's default (the server's bodyLimit, or the
 * route's), as before; empty and broken JSON and prototype poisoning are
 * refused by Fastify's own JSON step, with its error codes (400 BAD_REQUEST).
 */
export function useStrictJsonParser(app: FastifyInstance): void {
  const parseJson = app.getDefaultJsonParser(app.initialConfig.onProtoPoisoning ?? 'error', app.initialConfig.onConstructorPoisoning ?? 'error');
  const utf8 = new TextDecoder('utf-8', { fatal: true });
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'buffer' }, (req, body, done) => {
    const charset = charsetOf(req.headers['content-type']);
    if (charset !== undefined && !UTF8_LABELS.has(charset)) {
      done(new ApiError('UNSUPPORTED_MEDIA_TYPE', 'a JSON body is UTF-8: send it as application/json, with charset=utf-8 or no charset'), undefined);
      return;
    }
    let text: string;
    try {
      // A byte-order mark is dropped; any byte sequence that is not UTF-8 throws.
      text = utf8.decode(body as Buffer);
    } catch {
      done(new ApiError('BAD_REQUEST', 'the request body is not valid UTF-8'), undefined);
      return;
    }
    parseJson(req, text, done);
  });
}

/** The methods whose bodies Fastify reads (route-errors.ts documents their 415). */
const BODY_METHODS = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);

function hasBody(req: FastifyRequest): boolean {
  const length = req.headers['content-length'];
  return req.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
}

/**
 * A preParsing hook: a body with a Content-Encoding other than identity is
 * 415 (RFC 9110 8.4.1, 15.5.16), with Accept-Encoding: identity to say what
 * would do (RFC 9110 12.5.3). Nothing here decompresses, so such a body was
 * parsed as if it were plain.
 */
export async function refuseContentEncoding(req: FastifyRequest, reply: FastifyReply): Promise<void> {
  const encoding = req.headers['content-encoding'];
  if (encoding === undefined || !BODY_METHODS.has(req.method) || !hasBody(req)) return;
  const codings = encoding.split(',').map((c) => c.trim().toLowerCase()).filter((c) => c !== '');
  if (codings.every((c) => c === 'identity')) return;
  void reply.header('accept-encoding', 'identity');
  throw new ApiError('UNSUPPORTED_MEDIA_TYPE', 'send the body without a Content-Encoding (identity): this server does not decompress request bodies');
}
