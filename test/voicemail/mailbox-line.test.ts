// The mailbox by phone and the message-waiting lamp through a running
// Sotto: 102's phone subscribes to its box's message-summary; a message is
// left (lamp on: NOTIFY 1/0); 102 dials its own extension, is asked for
// its PIN (never let in by caller id), types it, hears the message's audio,
// deletes it with 7 (lamp off: NOTIFY 0/0, the API lists nothing) and
// leaves with * (Sotto says goodbye and sends BYE). A wrong PIN on *97 is
// refused and audited.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Runtime } from '../../src/app/runtime.ts';
import type { RunningSotto } from '../../src/app/server.ts';
import { detectToneSegments, telephoneEventTrain, type DtmfDigit } from '../../src/media/index.ts';
import { CallPhone } from '../calls/call-phone.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { MwiPhone } from '../mwi/mwi-phone.ts';
import { boxOf, leaveMessage, startVoicemailClinic, tone, type VoicemailClinic } from '../support/voicemail.ts';

const DOMAIN = 'pbx.mailbox-line.test';
const PIN = '482916';
const MESSAGE_HZ = 600;

/** A phone's keypad: RFC 4733 events on the call's RTP stream. */
function press(phone: FakePhone, keys: string): void {
  for (const digit of keys) {
    const packetizer = phone.packetizer!;
    const train = telephoneEventTrain({ digit: digit as DtmfDigit, durationMs: 100, payloadType: 101, ssrc: packetizer.ssrc, firstSequenceNumber: packetizer.reserveSequenceNumbers(8), timestamp: packetizer.nextTimestamp });
    packetizer.skip(800);
    for (const t of train) phone.sendPacket(t.packet);
  }
}

/** Keeps RTP flowing from the phone (silence), as a real phone does, so the relay latches and stays up. */
function keepTalking(phone: FakePhone): { close(): void } {
  const timer = setInterval(() => phone.sendPacket(phone.packets(new Int16Array(160))[0]!), 20);
  return { close: () => clearInterval(timer) };
}

const voiceMessages = (n: MwiPhone, i: number) => n.notifyNumber(i).then((r) => /Voice-Message: (\d+\/\d+)/.exec(r.body.toString('utf8'))?.[1]);

describe('the mailbox by phone and the lamp, through a running Sotto', { timeout: 120_000 }, () => {
  let clinic: VoicemailClinic;
  let rt: Runtime;
  let sotto: RunningSotto;
  let token: string;
  let practiceId: string;
  let passwords: Record<string, string>;
  const closers: Array<{ close(): void }> = [];

  beforeAll(async () => {
    clinic = await startVoicemailClinic({ domain: DOMAIN, rtpPorts: '44800-44899', pin: PIN });
    ({ rt, sotto, token, practiceId, passwords } = clinic);
  });
  afterAll(async () => {
    for (const c of closers) c.close();
    await clinic?.close();
  });

  async function dial(from: string, to: string) {
    const phone = await CallPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: from, password: passwords[from]! });
    const media = await FakePhone.open();
    closers.push(phone, media);
    const call = await phone.call(to, media.offer({ codecs: ['PCMU'], telephoneEventPayloadType: 101 }));
    const ok = await phone.waitResponse('INVITE', 200, 1);
    expect(ok.status).toBe(200);
    call.ack2xx(ok);
    media.takeAnswer(ok.body.toString('utf8'));
    const mic = keepTalking(media);
    closers.push(mic);
    return { phone, media, call, mic };
  }

  /**
   * Waits for Sotto's next prompt to be spoken and to end: loud audio after
   * what was heard so far, then 600 ms of silence or of no packets at all
   * (the relay may stop sending between prompts).
   */
  async function promptEnds(media: FakePhone): Promise<void> {
    const from = media.decodedAudio().length;
    await media.until(() => lastLoudSample(media.decodedAudio()) > from);
    for (;;) {
      const before = media.received.length;
      await new Promise((r) => setTimeout(r, 200));
      const audio = media.decodedAudio();
      if (media.received.length === before || audio.length - lastLoudSample(audio) >= 8 * 600) return;
    }
  }

  it('lights the lamp, plays the message after the PIN (heard: the lamp goes out), deletes it with 7', async () => {
    const lamp = await MwiPhone.open({ server: { host: '127.0.0.1', port: sotto.sip.ports.udp }, domain: DOMAIN, username: '102', password: passwords['102']! });
    closers.push(lamp);
    expect((await lamp.subscribe()).status).toBe(200);
    expect(await voiceMessages(lamp, 1)).toBe('0/0');

    const box = await boxOf(rt.database.db, practiceId, '102');
    const message = await leaveMessage(sotto.voicemail.store, box, tone(2500, MESSAGE_HZ));
    expect(await voiceMessages(lamp, 2)).toBe('1/0');

    const { phone, media } = await dial('102', '102');
    // Asked for the PIN, and nothing of the box is played before it.
    await promptEnds(media);
    expect(detectToneSegments(media.decodedAudio(), { frequencyHz: MESSAGE_HZ })).toEqual([]);
    press(media, `${PIN}#`);
    // "You have 1 new message", then the message itself: its 600 Hz tone reaches the phone.
    await media.until(() => detectToneSegments(media.decodedAudio(), { frequencyHz: MESSAGE_HZ }).some((t) => t.durationMs >= 2000));
    // Played to the end, the message is heard: the lamp goes out before any key.
    expect(await voiceMessages(lamp, 3)).toBe('0/1');
    await promptEnds(media);
    press(media, '7');
    expect(await voiceMessages(lamp, 4)).toBe('0/0');
    const list = await sotto.api.inject({ method: 'GET', url: '/api/v1/voicemails', headers: { authorization: `Bearer ${token}` } });
    expect(list.json().items.map((v: { id: string }) => v.id)).not.toContain(message.id);

    await promptEnds(media);
    press(media, '*');
    const bye = await phone.waitRequest('BYE');
    phone.reply(bye, 200);
    const actions = await rt.database.db.selectFrom('audit_events').select('action').where('practice_id', '=', practiceId).where('action', 'like', 'voicemail.%').orderBy('seq').execute();
    expect(actions.map((a) => a.action)).toEqual(expect.arrayContaining(['voicemail.mailbox_sign_in', 'voicemail.play', 'voicemail.delete']));
    // The play, the heard-mark and the delete made by phone each say so (an auditor tells them from the portal's).
    const onMessage = await rt.database.db.selectFrom('audit_events').select(['action', 'outcome', 'details']).where('object_id', '=', message.id).where('action', '!=', 'voicemail.deposit').orderBy('seq').execute();
    expect(onMessage.map((e) => [e.action, e.outcome, (JSON.parse(e.details) as { via?: string }).via])).toEqual([
      ['voicemail.play', 'success', 'phone'],
      ['voicemail.mark_heard', 'success', 'phone'],
      ['voicemail.delete', 'success', 'phone'],
    ]);
  });

  it('refuses a wrong PIN on *97 without saying whether the box exists, and audits it', async () => {
    const { media } = await dial('101', '*97');
    await promptEnds(media);
    press(media, '102#');
    await promptEnds(media);
    press(media, '000000#');
    await promptEnds(media);
    const failures = await rt.database.db.selectFrom('voicemail_pin_failures').select(['key', 'failures']).where('practice_id', '=', practiceId).execute();
    expect(failures.some((f) => f.key.startsWith('box:') && f.failures === 1)).toBe(true);
    expect(failures.some((f) => f.key.startsWith('caller:') && f.failures === 1)).toBe(true);
  });
});

function lastLoudSample(audio: Int16Array): number {
  for (let i = audio.length - 1; i >= 0; i--) if (Math.abs(audio[i]!) > 500) return i;
  return 0;
}
