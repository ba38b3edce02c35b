// Binding the port pairs of a call's legs on the plane that carries the
// call (media-relay.ts): ports come from the relay's one pool, so planes
// and workers never race for them; a port another program holds is
// skipped (reported through onPortHeld) and another pair tried.

import type { NativeDataPlane } from './native-plane.ts';
import type { RtpPortPool } from './port-pool.ts';
import type { CallRecord } from './relay-call-record.ts';
import { portHeldElsewhere, RelayError } from './relay-error.ts';
import type { RelayWorkerPool } from './worker-pool.ts';

const BIND_ATTEMPTS = 8;

export interface LegBinding {
  readonly pool: RtpPortPool;
  readonly workers: RelayWorkerPool;
  readonly bindAddress: string;
  readonly onPortHeld?: ((port: number) => void) | undefined;
  nativePlane(): NativeDataPlane;
  /** Closes ports a native call ended on that its plane keeps open (parked, native-plane.ts). */
  unpark(ports: readonly number[]): Promise<void>;
  /** Whether `record` is still the relay's call `callId` (delete() may have run meanwhile). */
  current(callId: string, record: CallRecord): boolean;
}

/**
 * Allocates and binds an even/odd port pair for each leg not bound yet,
 * in one request to the call's plane, skipping ports another program holds.
 */
export async function bindLegs(o: LegBinding, callId: string, record: CallRecord, legIds: readonly string[]): Promise<void> {
  const missing = [...new Set(legIds)].filter((l) => !record.ports.has(l));
  if (missing.length === 0) return;
  let lastError: RelayError | undefined;
  for (let attempt = 0; attempt < BIND_ATTEMPTS; attempt++) {
    const legs: { legId: string; port: number }[] = [];
    for (const legId of missing) {
      const port = o.pool.allocate();
      if (!port.ok) {
        for (const l of legs) o.pool.release(l.port);
        throw new RelayError('RELAY_PORTS_EXHAUSTED', port.error.message);
      }
      legs.push({ legId, port: port.value });
    }
    try {
      if (record.native !== undefined) await o.nativePlane().request({ op: 'bind', call: record.native, ports: legs.map((l) => l.port) });
      else {
        await o.unpark(legs.map((l) => l.port));
        // delete() may have run meanwhile: the worker must not bind for a call that is gone.
        if (!o.current(callId, record)) return await abandonBind(record);
        await o.workers.request(record.slot, { op: 'bind', callId, address: o.bindAddress, legs });
      }
      // Deleted during the bind: the plane had the bind before delete()'s
      // request, so that request closes (native: parks) these sockets; delete() freed only
      // the ports it knew, not these.
      if (!o.current(callId, record)) return await abandonBind(record);
      for (const l of legs) record.ports.set(l.legId, l.port);
      return;
    } catch (e) {
      for (const l of legs) o.pool.release(l.port);
      if (!(e instanceof RelayError) || e.code !== 'RELAY_BIND_FAILED') throw e;
      const held = portHeldElsewhere(e);
      if (held !== undefined) o.onPortHeld?.(held);
      lastError = e;
    }
  }
  throw lastError ?? new RelayError('RELAY_BIND_FAILED', 'cannot bind media ports');
}

/**
 * bindLegs() found its call deleted while it waited: fails as any request
 * on a deleted call does, once delete() has had the plane close whatever
 * it bound (bindLegs() then hands the ports back to the pool).
 */
async function abandonBind(record: CallRecord): Promise<never> {
  await record.deleting?.catch(() => {});
  throw new RelayError('RELAY_UNKNOWN_CALL', 'no such call');
}
