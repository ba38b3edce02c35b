// The native data plane as MediaRelay holds it: started when wanted (or
// left out, with a logged code), its calls numbered (the C program knows
// numbers, the relay knows call ids), and a call it loses reported inactive
// so the B2BUA hangs it up rather than leave it up silent.

import { NativeDataPlane } from './native-plane.ts';
import { RelayError } from './relay-error.ts';

export interface NativeCallsOptions {
  /** 'auto' starts the plane when it builds, 'native' requires it, 'js' never starts it. */
  readonly wanted: 'auto' | 'native' | 'js';
  readonly bindAddress: string;
  readonly recvBufferSize: number;
  readonly sendBufferSize: number;
  readonly inactivityTimeoutMs: number;
  readonly holdInactivityTimeoutMs: number;
  readonly heldClock: boolean;
  /** Where codes go (plane unavailable, plane exited). */
  readonly log: (code: string) => void;
  /** A native call's media stopped (idleMs 0: the plane itself is gone). */
  readonly onInactive: (callId: string, idleMs: number) => void;
}

export class NativeCalls {
  /** Native call number -> call id. */
  private readonly ids = new Map<number, string>();
  private next = 1;

  private constructor(private readonly plane: NativeDataPlane | undefined) {}

  static async start(options: NativeCallsOptions): Promise<NativeCalls> {
    if (options.wanted === 'js') return new NativeCalls(undefined);
    let calls: NativeCalls | undefined;
    const started = await NativeDataPlane.start(
      {
        bindAddress: options.bindAddress,
        recvBufferSize: options.recvBufferSize,
        sendBufferSize: options.sendBufferSize,
        inactivityTimeoutMs: options.inactivityTimeoutMs,
        holdInactivityTimeoutMs: options.holdInactivityTimeoutMs,
        heldClock: options.heldClock,
      },
      (call, idleMs) => {
        const callId = calls?.ids.get(call);
        if (callId !== undefined) options.onInactive(callId, idleMs);
      },
    );
    if (!started.ok) {
      if (options.wanted === 'native') throw new RelayError('RELAY_CLOSED', `native media relay unavailable (${started.error.code})`);
      options.log(started.error.code);
      return new NativeCalls(undefined);
    }
    const plane = started.value;
    calls = new NativeCalls(plane);
    const held = calls.ids;
    // Its calls lose their media with it (as a worker's do): reported
    // inactive at once; new calls go to the workers.
    plane.onUnexpectedExit = () => {
      options.log('RELAY_NATIVE_EXITED');
      for (const callId of [...held.values()]) options.onInactive(callId, 0);
    };
    return calls;
  }

  /** True while plain calls can go to the native plane. */
  get alive(): boolean {
    return this.plane?.alive === true;
  }

  get pid(): number | undefined {
    return this.plane?.pid;
  }

  /** The running plane; RELAY_CLOSED when there is none. */
  get running(): NativeDataPlane {
    if (!this.plane) throw new RelayError('RELAY_CLOSED', 'media relay is closed');
    return this.plane;
  }

  /**
   * Before a worker binds `ports`: the plane closes the sockets it kept
   * parked on any of them (a call that ended there). Nothing to do, and no
   * request, when it holds none of them or there is no plane.
   */
  unpark(ports: readonly number[]): Promise<void> {
    return this.plane?.unpark(ports) ?? Promise.resolve();
  }

  /** A number for a new call on the plane. */
  add(callId: string): number {
    const n = this.next++;
    this.ids.set(n, callId);
    return n;
  }

  /** The call left the plane (ended, or moved to a worker). */
  forget(n: number): void {
    this.ids.delete(n);
  }

  /** Held clock (tests): moves the plane's clock on and runs its inactivity check; resolves after its reports. */
  async advanceClock(ms: number): Promise<void> {
    if (this.plane?.alive) await this.plane.request({ op: 'clock', advanceMs: ms });
  }

  close(): Promise<void> {
    return this.plane?.close() ?? Promise.resolve();
  }
}
