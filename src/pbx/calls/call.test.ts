// A call forked to a callee's phones on two networks of a multi-homed
// server (the office LAN and a VPN), through the real media relay (JS
// plane, bound to loopback) and a stack that only records what would go on
// the wire. Each branch's INVITE must name the relay address on the
// interface facing that phone (RFC 3264 6), the caller's 183 and 200 the one
// facing the caller; with an advertised address (SOTTO_RTP_ADVERTISE) every
// phone gets that one. Ports 48240-48279.
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { MediaRelay, type MediaRelayOptions } from '../../media/relay/index.ts';
import type { SipStack } from '../../sip/core/index.ts';
import { createResponse, headerField, parseMessage, parseUri, type SipRequest, type SipResponse } from '../../sip/message/index.ts';
import type { ClientTransactionUser, InviteServerTransaction } from '../../sip/transaction/index.ts';
import { LocalRoutes, type Destination } from '../../sip/transport/index.ts';
import { Call } from './call.ts';
import type { CallContext } from './call-context.ts';

/** The server: its office LAN card, a WireGuard VPN for staff working from home, loopback. */
const ROUTES = LocalRoutes.from(
  {
    lo: [{ address: '127.0.0.1', netmask: '255.0.0.0', family: 'IPv4', internal: true }],
    eth0: [{ address: '192.168.1.1', netmask: '255.255.255.0', family: 'IPv4', internal: false }],
    wg0: [{ address: '10.8.0.1', netmask: '255.255.255.0', family: 'IPv4', internal: false }],
  },
  { 4: 'eth0' },
);
const CALLER = '192.168.1.20';
const DESK_PHONE = '192.168.1.30';
const SOFTPHONE = '10.8.0.7';

const relays: MediaRelay[] = [];
let calls: Call[] = [];

afterEach(() => {
  // Ends each call (BYE, relay delete), so no timer of a test outlives it.
  for (const c of calls) c.hangUp('a');
  calls = [];
});
afterAll(async () => {
  for (const r of relays) await r.close();
});

async function relayWith(advertisedAddress: MediaRelayOptions['advertisedAddress'], ports: { min: number; max: number }): Promise<MediaRelay> {
  const relay = await MediaRelay.start({ bindAddress: '127.0.0.1', advertisedAddress, portRange: ports, workers: 1, dataPlane: 'js', rtcpIntervalMs: 600_000 });
  relays.push(relay);
  return relay;
}

/** What the call sent: each branch's INVITE with its transaction user, the caller's responses. */
interface Wire {
  readonly invites: { request: SipRequest; destination: Destination; user: ClientTransactionUser }[];
  readonly toCaller: SipResponse[];
}

function ring(relay: MediaRelay): { call: Call; wire: Wire; ringing: Promise<void> } {
  const wire: Wire = { invites: [], toCaller: [] };
  const stack = {
    sendRequest: (request: SipRequest, destination: Destination, user: ClientTransactionUser) => {
      wire.invites.push({ request, destination, user });
      return { request };
    },
    sendCancel: () => {},
    request: () => Promise.resolve(),
    sendStateless: () => Promise.resolve(),
  } as unknown as SipStack;
  let answered = false;
  const inviteTx = {
    respond: (r: SipResponse) => {
      wire.toCaller.push(r);
      if (r.status >= 200) answered = true;
    },
    get answered() {
      return answered;
    },
  } as unknown as InviteServerTransaction;
  const ctx: CallContext = {
    stack,
    relay,
    contactFor: (_protocol, peer) => `<sip:${ROUTES.toward(peer)}:5060>`,
    ringTimeoutMs: 20_000,
    t1Ms: 500,
    onUnavailable: (c) => c.reject(480),
    answered: () => {},
    connected: () => {},
    ended: () => {},
    record: () => {},
    handingOver: () => {},
    handedOver: () => {},
    localAnswered: () => {},
    localEnded: () => {},
    log: () => {},
  };
  const call = new Call('call-1', { practiceId: 'p1', realm: 'pbx.example', deviceId: 'd101', extension: '101' }, '102', callerInvite(), inviteTx, { protocol: 'UDP', address: CALLER, port: 5060 }, ctx);
  calls.push(call);
  const phone = (address: string) => ({ uri: uriOf(`sip:102@${address}:5060`), destination: { protocol: 'UDP' as const, address, port: 5060 } });
  const ringing = call.ring([phone(DESK_PHONE), phone(SOFTPHONE)]);
  return { call, wire, ringing };
}

function callerInvite(): SipRequest {
  const sdp = ['v=0', `o=caller 1 1 IN IP4 ${CALLER}`, 's=-', `c=IN IP4 ${CALLER}`, 't=0 0', 'm=audio 4000 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
  const text = [
    'INVITE sip:102@pbx.example SIP/2.0',
    `Via: SIP/2.0/UDP ${CALLER}:5060;branch=z9hG4bKcaller1`,
    'Max-Forwards: 70',
    'From: <sip:101@pbx.example>;tag=caller',
    'To: <sip:102@pbx.example>',
    'Call-ID: caller-call',
    'CSeq: 2 INVITE',
    `Contact: <sip:101@${CALLER}:5060>`,
    'Content-Type: application/sdp',
    `Content-Length: ${Buffer.byteLength(sdp)}`,
    '',
    sdp,
  ].join('\r\n');
  const m = parseMessage(Buffer.from(text));
  if (!m.ok || m.value.kind !== 'request') throw new Error('test INVITE does not parse');
  return m.value;
}

function uriOf(text: string): SipRequest['uri'] {
  const u = parseUri(text);
  if (!u.ok) throw new Error('test URI does not parse');
  return u.value;
}

/** The phone's answer (provisional with SDP, or 200): media on loopback, where nothing else listens. */
function phoneAnswers(invite: SipRequest, status: number): SipResponse {
  const sdp = ['v=0', 'o=phone 1 1 IN IP4 127.0.0.1', 's=-', 'c=IN IP4 127.0.0.1', 't=0 0', 'm=audio 9 RTP/AVP 0', 'a=rtpmap:0 PCMU/8000', 'a=sendrecv', ''].join('\r\n');
  const body = Buffer.from(sdp);
  return createResponse(invite, status, undefined, {
    toTag: 'soft',
    body,
    headers: [headerField('Contact', `<sip:102@${SOFTPHONE}:5060>`), headerField('Content-Type', 'application/sdp'), headerField('Content-Length', String(body.length))],
  });
}

const addressLines = (message: { body: Buffer }): string[] => message.body.toString('utf8').split('\r\n').filter((l) => /^[oc]=/.test(l)).map((l) => l.replace(/^o=sotto \d+ \d+ /, 'o=sotto '));
const audioLine = (message: { body: Buffer }): string | undefined => message.body.toString('utf8').split('\r\n').find((l) => l.startsWith('m=audio '));

describe('a call rung on phones on two networks', () => {
  it('offers each phone the relay address facing it, on one relay port; the caller gets the one facing the caller', async () => {
    const { wire, ringing } = ring(await relayWith(ROUTES.toward, { min: 48240, max: 48259 }));
    await ringing;
    expect(wire.invites.map((i) => i.destination.address)).toEqual([DESK_PHONE, SOFTPHONE]);
    const [desk, soft] = wire.invites.map((i) => i.request);
    expect(addressLines(desk!)).toEqual(['o=sotto IN IP4 192.168.1.1', 'c=IN IP4 192.168.1.1']);
    expect(addressLines(soft!)).toEqual(['o=sotto IN IP4 10.8.0.1', 'c=IN IP4 10.8.0.1']);
    // One relay leg toward the callee: whichever phone answers, its media comes to the same port.
    expect(audioLine(soft!)).toBe(audioLine(desk!));
    expect(soft!.body.toString('utf8').replace(/10\.8\.0\.1/g, '192.168.1.1')).toBe(desk!.body.toString('utf8'));

    // Early media from the softphone: the caller's 183 names the relay on the caller's network.
    const user = wire.invites[1]!.user;
    user.onResponse(phoneAnswers(soft!, 183));
    await expect.poll(() => wire.toCaller.find((r) => r.status === 183)).toBeDefined();
    expect(addressLines(wire.toCaller.find((r) => r.status === 183)!)).toEqual(['o=sotto IN IP4 192.168.1.1', 'c=IN IP4 192.168.1.1']);

    // The softphone answers: so does the caller's 200.
    user.onResponse(phoneAnswers(soft!, 200));
    await expect.poll(() => wire.toCaller.find((r) => r.status === 200)).toBeDefined();
    expect(addressLines(wire.toCaller.find((r) => r.status === 200)!)).toEqual(['o=sotto IN IP4 192.168.1.1', 'c=IN IP4 192.168.1.1']);
  });

  it('with an advertised address (SOTTO_RTP_ADVERTISE), every phone is offered that one, in the same SDP', async () => {
    const { wire, ringing } = ring(await relayWith('203.0.113.7', { min: 48260, max: 48279 }));
    await ringing;
    const [desk, soft] = wire.invites.map((i) => i.request);
    expect(addressLines(desk!)).toEqual(['o=sotto IN IP4 203.0.113.7', 'c=IN IP4 203.0.113.7']);
    expect(soft!.body.equals(desk!.body)).toBe(true);
  });
});
