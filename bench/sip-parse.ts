/**
 * Parse and serialize rates for a typical REGISTER (with digest
 * credentials, as every authenticated re-registration carries) and a
 * typical INVITE with SDP. Prints messages/second; asserts nothing.
 *
 *   npx tsx bench/sip-parse.ts [seconds-per-case]
 */

import { computeDigestResponse, computeHa1 } from '../src/sip/auth/index.ts';
import { getCSeq, getCallId, getContacts, getFrom, getTo, getTopVia, parseMessage, serializeMessage, type SipMessage } from '../src/sip/message/index.ts';

const crlf = (lines: string[]) => Buffer.from(lines.join('\r\n'));

const nonce = 'AAABjKa1y0Vv3q1K8zX1yQ7r2Jm4tP0cWfQeZx9s1Hk';
const response = computeDigestResponse({
  algorithm: 'MD5',
  ha1: computeHa1('MD5', '101', 'pbx.example.com', 'secret'),
  nonce,
  method: 'REGISTER',
  uri: 'sip:pbx.example.com',
  qop: 'auth',
  nc: '00000001',
  cnonce: '6b8b4567',
});

const REGISTER = crlf([
  'REGISTER sip:pbx.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.23:5060;branch=z9hG4bK-524287-1---0f3a4e1b2c5d6e7f;rport',
  'Max-Forwards: 70',
  'Contact: <sip:101@192.168.1.23:5060;rinstance=8c1b4bd1f2a3c4d5;transport=UDP>;expires=3600;+sip.instance="<urn:uuid:00000000-0000-1000-8000-000A95A0E128>"',
  'To: "Front Desk" <sip:101@pbx.example.com>',
  'From: "Front Desk" <sip:101@pbx.example.com>;tag=4a5b6c7d',
  'Call-ID: YjM2ZTFjZGU4YjQ4NmE0YTk1NjY4ZDQ2ZWQ0ZjQ3ZDE',
  'CSeq: 2 REGISTER',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
  'Supported: replaces, outbound, path, gruu',
  'User-Agent: Yealink SIP-T46U 108.86.0.45',
  `Authorization: Digest username="101", realm="pbx.example.com", nonce="${nonce}", uri="sip:pbx.example.com", response="${response}", algorithm=MD5, cnonce="6b8b4567", qop=auth, nc=00000001`,
  'Content-Length: 0',
  '',
  '',
]);

const SDP = [
  'v=0',
  'o=- 3810421553 3810421553 IN IP4 192.168.1.23',
  's=-',
  'c=IN IP4 192.168.1.23',
  't=0 0',
  'm=audio 11780 RTP/AVP 0 8 9 18 101',
  'a=rtpmap:0 PCMU/8000',
  'a=rtpmap:8 PCMA/8000',
  'a=rtpmap:9 G722/8000',
  'a=rtpmap:18 G729/8000',
  'a=rtpmap:101 telephone-event/8000',
  'a=fmtp:101 0-15',
  'a=ptime:20',
  'a=sendrecv',
  '',
].join('\r\n');

const INVITE = crlf([
  'INVITE sip:102@pbx.example.com SIP/2.0',
  'Via: SIP/2.0/UDP 192.168.1.23:5060;branch=z9hG4bK-524287-1---77ab12cd34ef5678;rport',
  'Max-Forwards: 70',
  'Contact: <sip:101@192.168.1.23:5060;transport=UDP>',
  'To: <sip:102@pbx.example.com>',
  'From: "Front Desk" <sip:101@pbx.example.com>;tag=9f8e7d6c',
  'Call-ID: NzE4ZTk2OWI5ZDY0NDE4YjgzOGIyZjU0ZmE2ZjE1NTQ',
  'CSeq: 1 INVITE',
  'Allow: INVITE, ACK, CANCEL, BYE, NOTIFY, REFER, MESSAGE, OPTIONS, INFO, SUBSCRIBE',
  'Content-Type: application/sdp',
  'Supported: replaces, timer',
  'User-Agent: Yealink SIP-T46U 108.86.0.45',
  'Session-Expires: 1800',
  'Min-SE: 90',
  `Content-Length: ${Buffer.byteLength(SDP)}`,
  '',
  SDP,
]);

/**
 * Runs `fn` for about `seconds` and prints its rate. The machine is shared,
 * so besides wall-clock throughput it prints CPU time per message (user +
 * system of this process), the steadier figure under contention.
 */
function rate(label: string, seconds: number, fn: () => void): void {
  for (let i = 0; i < 20_000; i++) fn(); // warm up the JIT
  let n = 0;
  const cpu0 = process.cpuUsage();
  const start = process.hrtime.bigint();
  const budget = BigInt(Math.round(seconds * 1e9));
  let elapsed = 0n;
  while (elapsed < budget) {
    for (let i = 0; i < 1000; i++) fn();
    n += 1000;
    elapsed = process.hrtime.bigint() - start;
  }
  const cpu = process.cpuUsage(cpu0);
  const cpuUs = (cpu.user + cpu.system) / n;
  const perSec = (n * 1e9) / Number(elapsed);
  console.log(
    `${label.padEnd(52)} ${Math.round(perSec).toLocaleString('en-US').padStart(10)} msg/s wall  ` +
      `${Math.round(1e6 / cpuUs).toLocaleString('en-US').padStart(10)} msg/s per CPU  ${cpuUs.toFixed(2).padStart(6)} µs CPU/msg`,
  );
}

function mustParse(b: Buffer): SipMessage {
  const r = parseMessage(b);
  if (!r.ok) throw new Error(r.error.code);
  return r.value;
}

const seconds = Number(process.argv[2] ?? 2);
console.log(`sip-parse: node ${process.version}, ${seconds}s per case`);
for (const [name, bytes] of [['REGISTER', REGISTER], ['INVITE', INVITE]] as const) {
  const msg = mustParse(bytes);
  rate(`parse ${name} (${bytes.length} B)`, seconds, () => parseMessage(bytes));
  rate(`parse ${name} + read Via/From/To/Call-ID/CSeq/Contact`, seconds, () => {
    const m = parseMessage(bytes);
    if (m.ok) {
      getTopVia(m.value);
      getFrom(m.value);
      getTo(m.value);
      getCallId(m.value);
      getCSeq(m.value);
      getContacts(m.value);
    }
  });
  rate(`serialize ${name}`, seconds, () => serializeMessage(msg));
}
