/**
 * Helpers for transaction tests: a recording channel and message builders.
 */

import { parseMessage, type SipMessage, type SipRequest, type SipResponse } from '../message/index.ts';
import type { Clock } from './clock.ts';
import type { TransactionChannel } from './channel.ts';

export interface RecordingChannel extends TransactionChannel {
  readonly sent: { readonly at: number; readonly message: SipMessage }[];
  /** Start lines of sent messages. */
  lines(): string[];
  /** Times (clock ms) at which messages were sent. */
  times(): number[];
  fail: boolean;
  /** How many times the transaction let go of what the channel keeps (release()). */
  released: number;
}

export function recordingChannel(clock: Clock, reliable: boolean): RecordingChannel {
  const sent: { at: number; message: SipMessage }[] = [];
  const channel: RecordingChannel = {
    reliable,
    sent,
    fail: false,
    released: 0,
    release() {
      channel.released += 1;
    },
    send(message) {
      sent.push({ at: clock.now(), message });
      return Promise.resolve(!channel.fail);
    },
    lines: () => sent.map(({ message: m }) => (m.kind === 'request' ? m.method : `${m.status}`)),
    times: () => sent.map((s) => s.at),
  };
  return channel;
}

export function parse(text: string): SipMessage {
  const r = parseMessage(Buffer.from(text.replace(/\n/g, '\r\n')));
  if (!r.ok) throw new Error(`fixture does not parse: ${r.error.code}`);
  return r.value;
}

export function request(method: string, branch = 'z9hG4bK-tx1', extra = ''): SipRequest {
  return parse(
    `${method} sip:101@example.com SIP/2.0
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${branch}
Max-Forwards: 70
From: <sip:200@example.com>;tag=caller1
To: <sip:101@example.com>
Call-ID: call-1@192.0.2.10
CSeq: 1 ${method}
${extra}Content-Length: 0

`,
  ) as SipRequest;
}

export function response(status: number, method = 'INVITE', branch = 'z9hG4bK-tx1', toTag = 'callee1'): SipResponse {
  return parse(
    `SIP/2.0 ${status} Whatever
Via: SIP/2.0/UDP 192.0.2.10:5060;branch=${branch}
From: <sip:200@example.com>;tag=caller1
To: <sip:101@example.com>;tag=${toTag}
Call-ID: call-1@192.0.2.10
CSeq: 1 ${method}
Content-Length: 0

`,
  ) as SipResponse;
}

/** Flushes the promise callbacks channels resolve with. */
export async function settle(): Promise<void> {
  for (let i = 0; i < 5; i++) await Promise.resolve();
}
