// A media worker: owns the sockets of the calls placed on it and runs their
// packets, off the signalling thread. The main thread (MediaRelay) sends
// ControlRequests; the worker replies to each and reports events (DTMF,
// inactivity, prompt ended). Started through worker-boot.mjs.

import { createSocket } from 'node:dgram';
import { parentPort, workerData } from 'node:worker_threads';
import { CallRecorder } from './call-recorder.ts';
import type { ControlRequest, DtmfNotice, ReplyEnvelope, RequestEnvelope, WorkerEvent, WorkerSettings } from './control-messages.ts';
import { PromptPlayer } from './prompt-player.ts';
import { bindFailed, RelayError } from './relay-error.ts';
import { RelayLeg } from './relay-leg.ts';
import { RelayedCall } from './relayed-call.ts';

const port = parentPort;
if (!port) throw new Error('relay-worker must run in a worker thread');
const settings = (workerData as { settings: WorkerSettings }).settings;
const calls = new Map<string, RelayedCall>();
/** The inactivity check's clock: monotonic, or held (tests) and moved only by 'clock' requests. */
let heldNowMs = 0;
const clock = settings.heldClock ? () => heldNowMs : () => performance.now();

const emit = (event: WorkerEvent) => port.postMessage(event);
const callEvents = {
  dtmf: (notice: DtmfNotice) => emit({ kind: 'dtmf', notice }),
  inactive: (callId: string, idleMs: number) => emit({ kind: 'inactive', callId, idleMs }),
};

function callOf(callId: string): RelayedCall {
  const call = calls.get(callId);
  if (!call) throw new RelayError('RELAY_UNKNOWN_CALL', 'no such call on this worker');
  return call;
}

function legOf(call: RelayedCall, legId: string): RelayLeg {
  const leg = call.legs.get(legId);
  if (!leg) throw new RelayError('RELAY_UNKNOWN_LEG', 'no such leg in this call');
  return leg;
}

async function handle(request: ControlRequest): Promise<unknown> {
  switch (request.op) {
    case 'bind': {
      let call = calls.get(request.callId);
      if (!call) {
        call = new RelayedCall(request.callId, callEvents, clock);
        calls.set(request.callId, call);
      }
      const bound: RelayLeg[] = [];
      for (const { legId, port } of request.legs) {
        if (call.legs.has(legId)) continue;
        const leg = new RelayLeg(legId, request.address, port, settings, call.receive, settings.heldClock ? clock : undefined);
        try {
          await leg.bind();
        } catch (e) {
          for (const b of bound) {
            b.close();
            call.legs.delete(b.legId);
          }
          if (call.legs.size === 0) calls.delete(request.callId);
          throw bindFailed(port, (e as NodeJS.ErrnoException).code ?? 'error');
        }
        call.addLeg(leg);
        bound.push(leg);
      }
      return undefined;
    }
    case 'configure': {
      const call = callOf(request.callId);
      if (request.rename) {
        const leg = legOf(call, request.rename.from);
        call.legs.delete(request.rename.from);
        leg.legId = request.rename.to;
        call.legs.set(request.rename.to, leg);
      }
      for (const l of request.legs) {
        legOf(call, l.legId);
        if (l.peerLegId !== undefined) legOf(call, l.peerLegId);
      }
      for (const l of request.legs) {
        legOf(call, l.legId).configure(l.config);
        if (l.peerLegId === undefined) call.negotiated();
        else call.pair(l.legId, l.peerLegId);
      }
      return undefined;
    }
    case 'delete': {
      calls.get(request.callId)?.close();
      calls.delete(request.callId);
      return undefined;
    }
    case 'play': {
      const call = callOf(request.callId);
      const leg = legOf(call, request.legId);
      if (!leg.config) throw new RelayError('RELAY_UNKNOWN_LEG', 'leg has not negotiated media yet');
      // One prompt per leg at a time: a new one replaces the old.
      for (const p of call.players.values()) if (p.legId === request.legId) p.stop();
      const player = new PromptPlayer(request.playId, leg, request.pcm, request.loop, (reason) => {
        call.players.delete(request.playId);
        emit({ kind: 'play-ended', callId: request.callId, playId: request.playId, reason });
      });
      call.players.set(request.playId, player);
      player.start();
      return undefined;
    }
    case 'stop-play': {
      calls.get(request.callId)?.players.get(request.playId)?.stop();
      return undefined;
    }
    case 'record': {
      const call = callOf(request.callId);
      const legIds = request.source === 'mix' ? [...call.legs.keys()] : [legOf(call, request.source).legId];
      const sources = legIds.map((legId) => {
        const codec = call.legs.get(legId)?.config?.codec;
        return { legId, law: codec === 'PCMA' ? ('pcma' as const) : ('pcmu' as const) };
      });
      call.recorders.set(request.recordId, new CallRecorder(request.recordId, sources, request.port));
      return undefined;
    }
    case 'stop-record': {
      const call = calls.get(request.callId);
      call?.recorders.get(request.recordId)?.stop();
      call?.recorders.delete(request.recordId);
      return undefined;
    }
    case 'fork': {
      const call = callOf(request.callId);
      legOf(call, request.legId);
      const socket = createSocket(request.address.includes(':') ? 'udp6' : 'udp4');
      socket.on('error', () => {});
      call.forks.set(request.forkId, { legId: request.legId, socket, address: request.address, port: request.port });
      return undefined;
    }
    case 'stop-fork': {
      const call = calls.get(request.callId);
      call?.forks.get(request.forkId)?.socket.close();
      call?.forks.delete(request.forkId);
      return undefined;
    }
    case 'dtmf': {
      callOf(request.callId).setInbandDtmf(request.inband);
      return undefined;
    }
    case 'stats':
      return callOf(request.callId).stats();
    case 'clock': {
      if (!settings.heldClock) throw new Error('the clock is not held');
      heldNowMs += request.advanceMs;
      for (const call of calls.values()) call.checkActivity(heldNowMs, settings);
      return undefined;
    }
  }
}

port.on('message', (envelope: RequestEnvelope) => {
  handle(envelope.request).then(
    (value) => port.postMessage({ kind: 'reply', id: envelope.id, ok: true, value } satisfies ReplyEnvelope),
    (e: unknown) => {
      const reply: ReplyEnvelope =
        e instanceof RelayError
          ? { kind: 'reply', id: envelope.id, ok: false, code: e.code, message: e.message }
          : { kind: 'reply', id: envelope.id, ok: false, code: 'RELAY_CLOSED', message: 'media worker failed' };
      port.postMessage(reply);
    },
  );
});

// Housekeeping: RTCP reports and inactivity, a few times per timeout.
const tickMs = Math.max(20, Math.min(1000, Math.floor(settings.inactivityTimeoutMs / 4)));
setInterval(() => {
  const reportsNow = performance.now();
  const now = clock();
  for (const call of calls.values()) {
    call.sendReports(reportsNow);
    call.checkActivity(now, settings);
  }
}, tickMs);

emit({ kind: 'ready' });
