// MediaRelayOptions' defaults, as the two data planes take them: the JS
// workers' WorkerSettings and the native plane's start options.

import { randomBytes } from 'node:crypto';
import type { WorkerSettings } from './control-messages.ts';
import type { MediaRelayOptions } from './relay-types.ts';

const DEFAULT_RECV_BUFFER = 2 * 1024 * 1024;
const DEFAULT_SEND_BUFFER = 1024 * 1024;
const DEFAULT_INACTIVITY_MS = 60_000;
/**
 * A held call's bound. Asterisk's rtpholdtimeout and FreeSWITCH's
 * media_hold_timeout are the analogues (300 s and 1,800 s in their sample
 * configurations); a practice's caller may wait on hold longer than a
 * contact centre's, and the bound only has to end calls whose phones died.
 */
const DEFAULT_HOLD_INACTIVITY_MS = 3_600_000;

/** What both planes share: socket buffers and the inactivity check. */
export interface PlaneSettings {
  readonly recvBufferSize: number;
  readonly sendBufferSize: number;
  readonly inactivityTimeoutMs: number;
  readonly holdInactivityTimeoutMs: number;
  readonly heldClock: boolean;
}

export function planeSettings(o: MediaRelayOptions): PlaneSettings {
  return {
    recvBufferSize: o.recvBufferSize ?? DEFAULT_RECV_BUFFER,
    sendBufferSize: o.sendBufferSize ?? DEFAULT_SEND_BUFFER,
    inactivityTimeoutMs: o.inactivityTimeoutMs ?? DEFAULT_INACTIVITY_MS,
    holdInactivityTimeoutMs: o.holdInactivityTimeoutMs ?? DEFAULT_HOLD_INACTIVITY_MS,
    heldClock: o.clock === 'held',
  };
}

export function workerSettings(o: MediaRelayOptions): WorkerSettings {
  return { ...planeSettings(o), rtcpIntervalMs: o.rtcpIntervalMs ?? 5_000, cname: `sotto-${randomBytes(6).toString('hex')}` };
}
