// The way in for a request Sotto authenticates as a caller's (INVITE for
// calls, SUBSCRIBE for the message-waiting lamp): throttle, digest, and
// their log lines, one implementation for both.
import type { AddressBackoff } from '../auth/index.ts';
import { createResponse, headerField, type SipRequest } from '../sip/message/index.ts';
import type { ServerTransaction } from '../sip/transaction/index.ts';
import { LogThrottle, type MessageSource } from '../sip/transport/index.ts';
import type { Caller, CallerAuthOutcome } from './calls/caller-auth.ts';

export interface AuthGateOptions {
  auth: { authenticate(request: SipRequest): Promise<CallerAuthOutcome> };
  /** Failed authentication per source address (failures only). */
  backoff?: AddressBackoff;
  logger?: { info(fields: Record<string, unknown>, message: string): void };
  now: () => number;
  /** The log lines' event names and message: `call.auth_throttled`, `call.auth_refused`, 'call'. */
  events: { readonly throttled: string; readonly refused: string; readonly message: string };
  /**
   * Which refusals get a line: 'failures', those that count against the
   * address (a wrong password, an unknown user), as the registrar logs;
   * 'refusals', every one but the challenge of a request without
   * credentials (also a stale nonce, an unknown domain).
   */
  logs: 'failures' | 'refusals';
}

/**
 * The way in for a request Sotto authenticates as a caller's (INVITE,
 * SUBSCRIBE), as the registrar's for REGISTER: an address that keeps
 * failing is refused (403 with Retry-After) before any digest work; a
 * failure counts against its address; the first request of every dialog is
 * challenged, which is no refusal worth a line.
 *
 * Refusals are logged at most once per source address, kind and code per second
 * (LogThrottle): password guessing through INVITE is as cheap for a scanner
 * as through REGISTER, and a line per attempt would cost more than the
 * refusal and fill the disk for the attacker.
 */
export class AuthGate {
  private readonly lines: LogThrottle;

  constructor(private readonly o: AuthGateOptions) {
    this.lines = new LogThrottle({ windowMs: 1000, now: o.now });
  }

  /** The caller, or undefined once the request has been answered (403, 401/407, 404). */
  async admit(tx: ServerTransaction, request: SipRequest, source: MessageSource): Promise<Caller | undefined> {
    const gate = this.o.backoff?.check(source.address);
    if (gate && !gate.allowed) {
      this.log(this.o.events.throttled, source.address, {});
      tx.respond(createResponse(request, 403, undefined, { headers: [headerField('Retry-After', String(Math.ceil(gate.retryAfterMs / 1000)))] }));
      return undefined;
    }
    const authed = await this.o.auth.authenticate(request);
    if (authed.ok) return authed.caller;
    if (authed.countsAsFailure) this.o.backoff?.recordFailure(source.address);
    const logged = this.o.logs === 'failures' ? authed.countsAsFailure === true : authed.code !== 'SIP_AUTH_NO_CREDENTIALS';
    if (logged) this.log(this.o.events.refused, `${authed.code}\u0000${source.address}`, { code: authed.code, status: authed.status });
    tx.respond(createResponse(request, authed.status, undefined, { headers: authed.headers }));
    return undefined;
  }

  /** `key`: the address, with the refusal's code where there is one (kept in memory, never logged). */
  private log(event: string, key: string, fields: Record<string, unknown>): void {
    if (!this.o.logger) return;
    // One window per kind, code and address: a stale nonce's line must not hide the wrong passwords behind a count.
    const suppressedSinceLast = this.lines.due(`${event}\u0000${key}`);
    if (suppressedSinceLast !== undefined) this.o.logger.info({ event, ...fields, suppressedSinceLast }, this.o.events.message);
  }
}
