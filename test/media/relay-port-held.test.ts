// A port of SOTTO_RTP_PORTS held by another program (a second Sotto given
// the same range, most often): the call still gets media on another pair,
// and the relay says which port it found taken, so the operator can learn
// why (src/app/sip-service.ts turns that into a warning a minute). Both
// data planes. Ports 48400-48423.
import { createSocket, type Socket } from 'node:dgram';
import { afterAll, describe, expect, it } from 'vitest';
import { MediaRelay } from '../../src/media/relay/index.ts';
import { portHeldWarning } from '../../src/app/sip-service.ts';
import { Endpoint, openPair, portOf, rtp, sdp } from './support/udp-phones.ts';

const opened: Endpoint[] = [];
const held: Socket[] = [];
afterAll(() => {
  for (const e of opened) e.close();
  for (const s of held) s.close();
});

function hold(port: number): Promise<void> {
  const s = createSocket('udp4');
  held.push(s);
  return new Promise((resolve, reject) => {
    s.once('error', reject);
    s.bind(port, '127.0.0.1', () => resolve());
  });
}

describe.each([
  { plane: 'native' as const, min: 48400 },
  { plane: 'js' as const, min: 48412 },
])('$plane plane, a port of the range held by another program', ({ plane, min }) => {
  it('skips it, relays the call on the next pair and names the port', async () => {
    // Round-robin from the range's first even port: the first call's A leg would take `min`.
    await hold(min);
    const reported: number[] = [];
    const relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min, max: min + 11 }, workers: 1, dataPlane: plane, onPortHeld: (port) => reported.push(port) });
    try {
      const { a, b } = await openPair(opened);
      const toB = await relay.offer('held-1', 'a', sdp(a.rtp.port), { peerLegId: 'b' });
      const toA = await relay.answer('held-1', 'b', sdp(b.rtp.port));
      expect(reported).toEqual([min]);
      expect([portOf(toA), portOf(toB)]).not.toContain(min);
      // Media flows on the pair it took instead, A to B.
      const packet = rtp(1, 0xa1, 0x5a);
      await a.rtp.send(packet, portOf(toA));
      await b.rtp.until(1);
      expect(b.rtp.heard[0]?.bytes.subarray(12)).toEqual(packet.subarray(12));
      expect(b.rtp.heard[0]?.from).toBe(portOf(toB));
    } finally {
      await relay.close();
    }
  });
});

describe('the operator warning for a held port', () => {
  it('warns once a minute with the port and how many more were found since, never a phone number or address', () => {
    const lines: Array<{ fields: Record<string, unknown>; msg: string }> = [];
    const logger = { warn: (fields: Record<string, unknown>, msg: string) => lines.push({ fields, msg }) };
    let t = 1_000_000;
    const warn = portHeldWarning(logger as never, () => t);
    warn(20000);
    t += 10_000;
    warn(20002);
    warn(20004);
    t += 60_000;
    warn(20006);
    expect(lines).toEqual([
      { fields: { event: 'media.port_held', code: 'RELAY_PORT_HELD', port: 20000, suppressedSinceLast: 0 }, msg: expect.stringContaining('SOTTO_RTP_PORTS') },
      { fields: { event: 'media.port_held', code: 'RELAY_PORT_HELD', port: 20006, suppressedSinceLast: 2 }, msg: expect.stringContaining('another Sotto') },
    ]);
  });
});
