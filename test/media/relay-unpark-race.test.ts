// A call deleted while its ports are still being bound (media-relay.ts,
// bindLegs): for a worker (SRTP) call on ports the native plane held
// parked, the bind waits first on the plane letting them go, then on the
// worker. A delete() in either wait once left the ports out of the pool
// (and, in the first, a worker bound to a call that no longer existed)
// until restart. What an operator would notice: calls refused for want of
// ports on a relay that carries none. Ports 42730-42737: native-relay.test.ts
// lends 42700-42739 to one call too, but its pool binds from 42700 up.
import { afterAll, describe, expect, it } from 'vitest';
import { MediaRelay } from '../../src/media/relay/index.ts';
import { Endpoint, openPair, portOf, sdp } from './support/udp-phones.ts';

const opened: Endpoint[] = [];
afterAll(() => {
  for (const e of opened) e.close();
});

const phones = () => openPair(opened);

const srtpSdp = (port: number) => sdp(port).replace('RTP/AVP', 'RTP/SAVP') + 'a=crypto:1 AES_CM_128_HMAC_SHA1_80 inline:' + Buffer.alloc(30, 7).toString('base64') + '\r\n';

/** A promise the test settles itself: the held step goes on once `release()` is called. */
function gate() {
  let release: () => void = () => {};
  const opened = new Promise<void>((resolve) => (release = resolve));
  return { opened, release };
}

/**
 * `call`, with its reply held back until the test opens `held`; `asked`
 * opens once a call that `holds` picks has gone out (the request itself
 * still reaches the child or worker).
 */
function holding<A extends unknown[], R>(call: (...args: A) => Promise<R>, holds: (...args: A) => boolean = () => true) {
  const held = gate();
  const asked = gate();
  const wrapped = (...args: A): Promise<R> => {
    const done = call(...args);
    if (!holds(...args)) return done;
    asked.release();
    return held.opened.then(() => done);
  };
  return { wrapped, asked, held };
}

/** The relay's private parts the test holds a reply of (a slow child or worker, made deterministic). */
interface Insides {
  native: { unpark(ports: readonly number[]): Promise<void> };
  workers: { request(slot: unknown, request: { op: string }, transfer?: readonly unknown[]): Promise<unknown> };
}

/**
 * One native call on both pairs of a two-pair range, ended: its ports stay
 * parked on the native plane, so the next worker call there needs unpark.
 */
async function parkBothPairs(relay: MediaRelay, range: { min: number; max: number }) {
  const { a, b } = await phones();
  const toB = await relay.offer('native-first', 'a', sdp(a.rtp.port), { peerLegId: 'b' });
  const toA = await relay.answer('native-first', 'b', sdp(b.rtp.port));
  expect(relay.planeOf('native-first')).toBe('native');
  expect(new Set([portOf(toA), portOf(toB)])).toEqual(new Set([range.min, range.min + 2]));
  await relay.delete('native-first');
}

/** Every port of the range is free: nothing (worker or native child) holds a socket there, and the pool lends each pair again. */
async function expectAllFree(relay: MediaRelay, range: { min: number; max: number }) {
  for (let port = range.min; port <= range.max; port++) (await Endpoint.open('127.0.0.1', port)).close();
  // Two new one-leg calls (Sotto answering): one pair each, the whole range.
  const used: number[] = [];
  for (const callId of ['after-1', 'after-2']) {
    const { a } = await phones();
    used.push(portOf(await relay.answerOffer(callId, 'caller', sdp(a.rtp.port))));
  }
  expect(used.sort()).toEqual([range.min, range.min + 2]);
  await relay.delete('after-1');
  await relay.delete('after-2');
}

/** A two-pair relay whose pairs a native call left parked, for `body`; closed after. */
async function withParkedRelay(range: { min: number; max: number }, body: (relay: MediaRelay) => Promise<void>) {
  const relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: range, workers: 1, dataPlane: 'native' });
  try {
    await parkBothPairs(relay, range);
    await body(relay);
  } finally {
    await relay.close();
  }
}

/**
 * Offers a worker (SRTP) call, deletes it once `asked` opens (the step the
 * test holds has been requested), then lets `held` go on: what the offer
 * settled with (undefined if it succeeded).
 */
async function offerDeletedWhileHeld(relay: MediaRelay, callId: string, { asked, held }: { asked: ReturnType<typeof gate>; held: ReturnType<typeof gate> }): Promise<unknown> {
  const { a } = await phones();
  const settled = relay.offer(callId, 'a', srtpSdp(a.rtp.port), { peerLegId: 'b' }).then(
    () => undefined,
    (e: unknown) => e,
  );
  await asked.opened;
  await relay.delete(callId);
  held.release();
  return settled;
}

describe('media relay: a call deleted while its ports are bound', { timeout: 20_000 }, () => {
  it('deleted while the native plane unparks its ports: the offer fails, the worker binds nothing, every port returns to the pool', async () => {
    const range = { min: 42730, max: 42733 };
    await withParkedRelay(range, async (relay) => {
      // Hold the plane's answer to the unpark (its request still goes out).
      const { native } = relay as unknown as Insides;
      const unpark = holding(native.unpark.bind(native));
      native.unpark = unpark.wrapped;
      expect(await offerDeletedWhileHeld(relay, 'deleted-early', unpark)).toMatchObject({ code: 'RELAY_UNKNOWN_CALL' });
      await expect(relay.stats('deleted-early')).rejects.toMatchObject({ code: 'RELAY_UNKNOWN_CALL' });
      await expectAllFree(relay, range);
    });
  });

  it('deleted while the worker binds its ports: the offer fails, the worker closes them, every port returns to the pool', async () => {
    const range = { min: 42734, max: 42737 };
    await withParkedRelay(range, async (relay) => {
      // Hold the worker's answer to the bind (the bind itself reaches it).
      const { workers } = relay as unknown as Insides;
      const bind = holding(workers.request.bind(workers), (_slot, request) => request.op === 'bind');
      workers.request = bind.wrapped;
      expect(await offerDeletedWhileHeld(relay, 'deleted-late', bind)).toMatchObject({ code: 'RELAY_UNKNOWN_CALL' });
      await expectAllFree(relay, range);
    });
  });
});
