// The deposit path through a running Sotto (startServer: real database,
// registrar, B2BUA, relay, vault): 101 calls 102, who is not registered;
// Sotto answers, plays 102's greeting and the tone, records what 101 sends,
// and on 101's BYE commits the message. The API then lists it and serves
// its audio.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/runtime.ts';
import type { RunningSotto } from '../../src/app/server.ts';
import { CLI_ACTOR } from '../../src/directory/index.ts';
import { parseWav, bytesToPcm16 } from '../../src/media/wav.ts';
import { CallPhone } from '../calls/call-phone.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { withoutIds } from '../support/phi.ts';
import { boxOf, startVoicemailClinic, tone, type VoicemailClinic } from '../support/voicemail.ts';
import { telephoneEventTrain } from '../../src/media/dtmf/telephone-event-sender.ts';

const DOMAIN = 'pbx.voicemail.test';

/**
 * A phone's microphone: a packet every 20 ms from answer on (silence unless
 * something is queued), as real phones send, so the relay latches at once.
 */
function microphone(phone: FakePhone) {
  const queue: Int16Array[] = [];
  let drained: () => void = () => {};
  const timer = setInterval(() => {
    const next = queue.shift();
    phone.sendPacket(phone.packets(next ?? new Int16Array(160))[0]!);
    if (next && queue.length === 0) drained();
  }, 20);
  return {
    /** Queues `pcm` in 20 ms frames; resolves once the last one is sent. */
    say(pcm: Int16Array): Promise<void> {
      for (let i = 0; i < pcm.length; i += 160) queue.push(pcm.subarray(i, i + 160));
      return new Promise((resolve) => (drained = resolve));
    },
    close: () => clearInterval(timer),
  };
}

function rms(x: Int16Array): number {
  let s = 0;
  for (const v of x) s += v * v;
  return Math.sqrt(s / Math.max(1, x.length));
}

describe('leaving a voicemail through a running Sotto', { timeout: 40_000 }, () => {
  let clinic: VoicemailClinic;
  let rt: Runtime;
  let sotto: RunningSotto;
  let token: string;
  let practiceId: string;
  let passwords: Record<string, string>;
  const closers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    clinic = await startVoicemailClinic({ domain: DOMAIN, rtpPorts: '46000-46199' });
    ({ rt, sotto, token, practiceId, passwords } = clinic);
    // A short recorded greeting keeps the test quick (the default is spoken by the TTS voice).
    const box = await boxOf(rt.database.db, practiceId, '102');
    await sotto.voicemail.greetings.saveGreeting(box.id, 'unavailable', tone(1000, 600), CLI_ACTOR);
  });
  afterAll(async () => {
    for (const c of closers) c.close();
    await clinic?.close();
  });

  it('answers an unregistered extension, records until BYE, and serves the message', async () => {
    const committed = new Promise<string>((resolve) => sotto.voicemail.store.onChange((boxId) => resolve(boxId)));
    const a = await CallPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '101', password: passwords['101']! });
    const media = await FakePhone.open();
    closers.push(a, media);
    const call = await a.call('102', media.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    expect(ok.status).toBe(200);
    call.ack2xx(ok);
    media.takeAnswer(ok.body.toString('utf8'));
    const mic = microphone(media);
    closers.push(mic);
    // The relay sends while it plays: 0.3 s lead-in, the 1 s greeting, the 0.4 s tone = 85 packets; then speak.
    await media.until(() => media.received.length >= 85);
    const heard = media.decodedAudio();
    expect(rms(heard)).toBeGreaterThan(1000);
    await mic.say(tone(3000, 300));
    call.bye();
    await a.waitResponse('BYE');
    const boxId = await committed;

    const list = await sotto.api.inject({ method: 'GET', url: '/api/v1/voicemails', headers: { authorization: `Bearer ${token}` } });
    expect(list.statusCode).toBe(200);
    const items = list.json().items as Array<{ id: string; extension: string; durationMs: number; heard: boolean; partial: boolean; boxId: string }>;
    expect(items).toHaveLength(1);
    expect(items[0]).toMatchObject({ extension: '102', heard: false, partial: false, boxId });
    expect(items[0]!.durationMs).toBeGreaterThan(2500);
    expect(items[0]!.durationMs).toBeLessThan(6000);
    expect(withoutIds(JSON.stringify(list.json()))).not.toContain('101');

    const audio = await sotto.api.inject({ method: 'GET', url: `/api/v1/voicemails/${items[0]!.id}/audio`, headers: { authorization: `Bearer ${token}` } });
    expect(audio.statusCode).toBe(200);
    expect(audio.headers['content-type']).toBe('audio/wav');
    const wav = parseWav(audio.rawPayload);
    expect(wav.ok).toBe(true);
    if (!wav.ok) return;
    expect(wav.value.sampleRate).toBe(8000);
    const pcm = bytesToPcm16(wav.value.data);
    expect(pcm.length / 8).toBe(items[0]!.durationMs);
    expect(rms(pcm)).toBeGreaterThan(2000);
    const events = await rt.database.db.selectFrom('audit_events').select(['action', 'actor_id']).where('practice_id', '=', practiceId).where('action', 'like', 'voicemail.%').orderBy('seq').execute();
    expect(events.map((e) => e.action)).toEqual(['voicemail.greeting_update', 'voicemail.deposit', 'voicemail.list', 'voicemail.play']);
  });

  it("ends the message on '#' and hangs up the caller", async () => {
    const committed = new Promise<string>((resolve) => sotto.voicemail.store.onChange((boxId) => resolve(boxId)));
    const a = await CallPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '101', password: passwords['101']! });
    const media = await FakePhone.open();
    closers.push(a, media);
    const call = await a.call('102', media.offer({ codecs: ['PCMU'], telephoneEventPayloadType: 101 }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    media.takeAnswer(ok.body.toString('utf8'));
    const mic = microphone(media);
    closers.push(mic);
    await media.until(() => media.received.filter((r) => r.packet.payloadType === 0).length >= 85);
    await mic.say(tone(1500, 300));
    for (const { packet } of telephoneEventTrain({ digit: '#', durationMs: 120, payloadType: 101, ssrc: 0x1234, firstSequenceNumber: 100, timestamp: 5000 })) media.sendPacket(packet);
    await a.waitRequest('BYE');
    const boxId = await committed;
    const messages = await sotto.voicemail.store.list(boxId);
    const latest = [...messages].sort((x, y) => (x.receivedAt < y.receivedAt ? 1 : -1))[0]!;
    expect(latest.durationMs).toBeGreaterThan(1000);
    expect(latest.durationMs).toBeLessThan(2500);
  });

  it('takes a message from a caller whose INVITE has no offer: Sotto offers in the 200, the answer comes in the ACK (RFC 3261 13.2.1)', async () => {
    const committed = new Promise<string>((resolve) => sotto.voicemail.store.onChange((boxId) => resolve(boxId)));
    const a = await CallPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '101', password: passwords['101']! });
    const media = await FakePhone.open();
    closers.push(a, media);
    const call = await a.call('102', '');
    const ok = await a.waitResponse('INVITE', 200, 1);
    const offer = ok.body.toString('utf8');
    expect(/^m=audio \d+ (.*)$/m.exec(offer)?.[1]).toBe('RTP/AVP 0 8 101');
    // An A-law phone answers in its ACK: the greeting comes in A-law.
    call.ack2xx(ok, media.answer(offer, { codecs: ['PCMA'] }));
    const mic = microphone(media);
    closers.push(mic);
    await media.until(() => media.received.filter((r) => r.packet.payloadType === 8).length >= 85);
    expect(rms(media.decodedAudio('pcma'))).toBeGreaterThan(1000);
    await mic.say(tone(2000, 300));
    call.bye();
    await a.waitResponse('BYE');
    const boxId = await committed;
    const messages = await sotto.voicemail.store.list(boxId);
    const latest = [...messages].sort((x, y) => (x.receivedAt < y.receivedAt ? 1 : -1))[0]!;
    expect(latest.durationMs).toBeGreaterThan(1500);
    expect(latest.durationMs).toBeLessThan(4500);
    expect(a.flow).toEqual(['> INVITE', '< 407', '> ACK', '> INVITE', '< 200', '> ACK', '> BYE', '< 200']);
  });

  it('on a graceful stop hangs up the caller and commits the message whole, before returning', async () => {
    const a = await CallPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '101', password: passwords['101']! });
    const media = await FakePhone.open();
    closers.push(a, media);
    const call = await a.call('102', media.offer({ codecs: ['PCMU'] }));
    const ok = await a.waitResponse('INVITE', 200, 1);
    call.ack2xx(ok);
    media.takeAnswer(ok.body.toString('utf8'));
    const mic = microphone(media);
    closers.push(mic);
    await media.until(() => media.received.filter((r) => r.packet.payloadType === 0).length >= 85);
    await mic.say(tone(1500, 300));
    const before = new Set((await sotto.voicemail.store.list((await boxOf(rt.database.db, practiceId, '102')).id)).map((m) => m.id));
    // What `sotto start` does on SIGTERM, voicemail first: the caller is still talking.
    await sotto.voicemail.deposit.drain();
    await a.waitRequest('BYE');
    const after = await sotto.voicemail.store.list((await boxOf(rt.database.db, practiceId, '102')).id);
    const left = after.filter((m) => !before.has(m.id));
    expect(left).toHaveLength(1);
    expect(left[0]).toMatchObject({ partial: false });
    expect(left[0]!.durationMs).toBeGreaterThan(1000);
  });
});
