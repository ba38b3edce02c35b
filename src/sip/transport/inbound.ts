/**
 * What every transport does with one received message's bytes: parse, and
 * either hand a well-formed message up (a request stamped with where it came
 * from, RFC 3261 18.2.1) or answer a malformed request with the status the
 * parser chose (400, 505, 513 …) when a response can be formed, else drop
 * it (RFC 3261 18.3, 16.3; RFC 4475). Peer bytes are never logged.
 */

import { createResponse, parseMessage, serializeMessage, type ParseError, type ParseLimits } from '../message/index.ts';
import type { SipLogger } from './log.ts';
import { stampReceived } from './received-stamp.ts';
import type { MessageSource, TransportHandler } from './types.ts';

export interface InboundContext {
  readonly limits: ParseLimits;
  readonly logger: SipLogger;
  readonly handler: TransportHandler;
  /** Sends an error response back the way the request came. */
  readonly reply: (bytes: Buffer) => void;
}

export type InboundOutcome = 'delivered' | 'rejected' | 'dropped';

export function receiveBytes(bytes: Buffer, source: MessageSource, ctx: InboundContext): InboundOutcome {
  try {
    return receive(bytes, source, ctx);
  } catch (error) {
    // The parser promises never to throw on peer bytes; if that promise is
    // ever broken, one bad packet must still not take the socket down.
    ctx.logger.warn({ code: 'SIP_INBOUND_THREW', protocol: source.protocol, error: error instanceof Error ? error.name : 'unknown' }, 'sip: inbound processing threw');
    return 'dropped';
  }
}

function receive(bytes: Buffer, source: MessageSource, ctx: InboundContext): InboundOutcome {
  const parsed = parseMessage(bytes, { limits: ctx.limits });
  if (!parsed.ok) {
    const e = parsed.error;
    const answer = malformedAnswer(e, source);
    if (answer) {
      ctx.reply(answer);
      ctx.logger.debug({ code: e.code, status: e.status, protocol: source.protocol }, 'sip: malformed request answered');
      return 'rejected';
    }
    ctx.logger.debug({ code: e.code, protocol: source.protocol }, 'sip: malformed message dropped');
    return 'dropped';
  }
  const message = parsed.value.kind === 'request' ? stampReceived(parsed.value, source.address, source.port) : parsed.value;
  try {
    ctx.handler.onMessage(message, source);
  } catch (error) {
    // A bug above must not take the socket down with it.
    ctx.logger.warn({ code: 'SIP_HANDLER_THREW', error: error instanceof Error ? error.name : 'unknown' }, 'sip: message handler threw');
  }
  return 'delivered';
}

/** The response to a request the parser refused, when one can be formed (RFC 3261 8.2.6, 18.2.1). */
export function malformedAnswer(error: ParseError, source: MessageSource): Buffer | undefined {
  if (typeof error.status !== 'number' || !error.request) return undefined;
  const request = stampReceived(error.request, source.address, source.port);
  return serializeMessage(createResponse(request, error.status, error.reason));
}
