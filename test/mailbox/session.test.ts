// The mailbox by phone on a real media relay: a fake phone (a UDP socket
// speaking RTP and RFC 4733) calls in, Sotto answers, and the caller
// presses keys the way a person would. What the caller hears is decoded
// and checked (the message's tone reaches the phone), and what the session
// does to the mailbox is checked through in-memory ports.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { dominantFrequency, generateTone, telephoneEventTrain, type DtmfDigit } from '../../src/media/index.ts';
import { MediaRelay } from '../../src/media/relay/index.ts';
import {
  startMailboxSession,
  type Actor,
  type GreetingKind,
  type MailboxAccess,
  type MailboxMessage,
  type MailboxPins,
  type MailboxRelay,
} from '../../src/voicemail/mailbox/index.ts';
import { FakePhone, sendPaced } from '../media/fake-phone.ts';

let relay: MediaRelay;
const phones: FakePhone[] = [];
let nextCall = 0;

beforeAll(async () => {
  relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 44600, max: 44699 }, workers: 1 });
});
afterAll(async () => {
  for (const p of phones) p.close();
  await relay.close();
});

/** Something the session did, in order, as the test reads it. */
type Happening = string;

class Recorder {
  readonly log: Happening[] = [];
  private waiters: Array<{ test: (h: Happening) => boolean; resolve: () => void }> = [];
  add(h: Happening): void {
    this.log.push(h);
    this.waiters = this.waiters.filter((w) => (w.test(h) ? (w.resolve(), false) : true));
  }
  /** Settles when (or if already) something matching `re` happened. */
  when(re: RegExp): Promise<void> {
    if (this.log.some((h) => re.test(h))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`never happened: ${re}; log: ${this.log.join(' | ')}`)), 15_000);
      this.waiters.push({ test: (h) => re.test(h), resolve: () => (clearTimeout(t), resolve()) });
    });
  }
}

const MESSAGE_TONE_HZ = 1000;

function mailboxOf(rec: Recorder, messages: MailboxMessage[]): MailboxAccess {
  return {
    list: (boxId) => Promise.resolve(messages.filter((m) => m.boxId === boxId)),
    audio: (id, actor: Actor) => {
      rec.add(`audio ${id} as ${actor.type}:${actor.id}`);
      return Promise.resolve(generateTone([MESSAGE_TONE_HZ], 400, { amplitude: 8000 }));
    },
    markHeard: (id) => (rec.add(`heard ${id}`), Promise.resolve()),
    delete: (id) => (rec.add(`deleted ${id}`), Promise.resolve()),
    counts: () => Promise.resolve({ newMessages: 0, oldMessages: 0 }),
    onChange: () => () => {},
  };
}

const pins = (rec: Recorder): MailboxPins => ({
  findBox: (_p, ext) => Promise.resolve(ext === '101' ? 'box-101' : null),
  verify: (a) => {
    rec.add(`verify ${a.boxId} ${a.pin} from ${a.callerKey}`);
    return Promise.resolve(a.boxId === 'box-101' && a.pin === '402917' ? { outcome: 'ok', boxId: 'box-101', ownerUserId: 'user-101' } : { outcome: 'wrong' });
  },
  change: (boxId, pin) => (rec.add(`pin ${boxId} ${pin}`), Promise.resolve(true)),
});

async function connect(): Promise<{ callId: string; phone: FakePhone }> {
  const phone = await FakePhone.open();
  phones.push(phone);
  const callId = `mailbox-${++nextCall}`;
  phone.takeAnswer(await relay.answerOffer(callId, 'a', phone.offer({ codecs: ['PCMU'], telephoneEventPayloadType: 101 })));
  return { callId, phone };
}

/** The caller presses a key: one RFC 4733 event of 100 ms. */
function press(phone: FakePhone, digit: DtmfDigit): void {
  const packetizer = phone.packetizer!;
  const train = telephoneEventTrain({ digit, durationMs: 100, payloadType: 101, ssrc: packetizer.ssrc, firstSequenceNumber: packetizer.reserveSequenceNumbers(8), timestamp: packetizer.nextTimestamp });
  packetizer.skip(800);
  for (const t of train) phone.sendPacket(t.packet);
}
const type = (phone: FakePhone, keys: string) => [...keys].forEach((k) => press(phone, k as DtmfDigit));

function session(callId: string, rec: Recorder, messages: MailboxMessage[], o: { boxId?: string; relay?: MailboxRelay; inputTimeoutMs?: number } = {}) {
  return startMailboxSession({
    relay: o.relay ?? relay,
    callId,
    legId: 'a',
    practiceId: 'practice-1',
    ...(o.boxId ? { boxId: o.boxId } : {}),
    callerKey: 'device-7',
    mailbox: mailboxOf(rec, messages),
    greetings: {
      saveGreeting: (boxId: string, which: GreetingKind, pcm: Int16Array) => {
        rec.add(`greeting ${boxId} ${which} ${Math.round(dominantFrequency(pcm.subarray(4000, pcm.length - 2000)) / 100) * 100}Hz ${pcm.length >= 8000 ? 'long' : 'short'}`);
        return Promise.resolve();
      },
    },
    // A short tone per prompt; the text is what the test checks the caller was told.
    renderSpeech: (text) => {
      rec.add(`say ${text}`);
      return Promise.resolve(generateTone([440], 60, { amplitude: 4000 }));
    },
    pins: pins(rec),
    hangUp: () => rec.add('hang-up'),
    inputTimeoutMs: o.inputTimeoutMs ?? 20_000,
  });
}

const msg = (id: string, heard = false): MailboxMessage => ({ id, boxId: 'box-101', receivedAt: '2026-11-28T08:00:00.000Z', durationMs: 400, heard, partial: false });

describe('mailbox session on a real media relay', { timeout: 60_000 }, () => {
  it('own extension: PIN by keypad, the message plays to the phone, 2 saves it, * says goodbye and hangs up', async () => {
    const { callId, phone } = await connect();
    const rec = new Recorder();
    const s = session(callId, rec, [msg('m1')], { boxId: 'box-101' });
    await rec.when(/^say Please enter your PIN/);
    type(phone, '402917#');
    await rec.when(/^say To replay this message/);
    // The message's own audio reached the phone: its tone is the loudest thing the caller heard.
    expect(Math.abs(dominantFrequency(phone.decodedAudio()) - MESSAGE_TONE_HZ)).toBeLessThan(20);
    press(phone, '2');
    await rec.when(/^say To listen to your messages, press 1/);
    press(phone, '*');
    await s.done;
    expect(rec.log).toEqual([
      'say Please enter your PIN, then press pound.',
      'verify box-101 402917 from device-7',
      'say You have 1 new message.',
      'say Message 1.',
      'audio m1 as user:user-101',
      // Played to the end: heard (the lamp goes out), before "2 save".
      'heard m1',
      'say To replay this message, press 1. To save it, press 2. To delete it, press 7. For the next message, press pound. For the main menu, press star.',
      'say Message saved.',
      'say No more messages.',
      'say To listen to your messages, press 1. To change your greeting, press 3. To change your PIN, press 4. To hang up, press star.',
      'say Goodbye.',
      'hang-up',
    ]);
    await relay.delete(callId);
  });

  it('*97: asks the mailbox number then the PIN; a wrong PIN is refused without saying why', async () => {
    const { callId, phone } = await connect();
    const rec = new Recorder();
    const s = session(callId, rec, []);
    await rec.when(/^say Please enter your mailbox number/);
    type(phone, '101#');
    await rec.when(/^say Please enter your PIN/);
    type(phone, '111111#');
    await rec.when(/^say That mailbox and PIN do not match/);
    type(phone, '101#');
    await rec.when(/verify box-101 111111/);
    s.hangup();
    await s.done;
    expect(rec.log.filter((h) => h.startsWith('verify'))).toEqual(['verify box-101 111111 from device-7']);
    await relay.delete(callId);
  });

  it('a caller who stops typing is still heard, and one who says nothing is hung up on', async () => {
    const { callId, phone } = await connect();
    const rec = new Recorder();
    const s = session(callId, rec, [], { boxId: 'box-101', inputTimeoutMs: 300 });
    await rec.when(/^say Please enter your PIN/);
    type(phone, '402917');
    await rec.when(/^verify box-101 402917/);
    await s.done;
    expect(rec.log.slice(-6)).toEqual([
      'say You have no messages.',
      'say To listen to your messages, press 1. To change your greeting, press 3. To change your PIN, press 4. To hang up, press star.',
      'say To listen to your messages, press 1. To change your greeting, press 3. To change your PIN, press 4. To hang up, press star.',
      'say To listen to your messages, press 1. To change your greeting, press 3. To change your PIN, press 4. To hang up, press star.',
      'say Goodbye.',
      'hang-up',
    ]);
    await relay.delete(callId);
  });

  it('records a new greeting until #, keeps it on 1, and hands the audio to the greeting store', async () => {
    const { callId, phone } = await connect();
    const rec = new Recorder();
    let recordingStarted: () => void = () => {};
    const started = new Promise<void>((resolve) => (recordingStarted = resolve));
    const watched: MailboxRelay = {
      play: (c, l, src) => relay.play(c, l, src),
      onDtmf: (c, l) => relay.onDtmf(c, l),
      record: async (c, src, sink) => {
        const h = await relay.record(c, src, sink);
        recordingStarted();
        return h;
      },
    };
    const s = session(callId, rec, [], { boxId: 'box-101', relay: watched });
    await rec.when(/^say Please enter your PIN/);
    type(phone, '402917#');
    await rec.when(/^say To listen to your messages, press 1/);
    type(phone, '31');
    await started;
    // The caller speaks (a 600 Hz tone stands in for a voice) for 1.6 s, then presses #.
    await sendPaced(phone, phone.packets(generateTone([600], 1600, { amplitude: 8000 })));
    press(phone, '#');
    await rec.when(/^say To keep this greeting, press 1/);
    press(phone, '1');
    await rec.when(/^greeting /);
    s.hangup();
    await s.done;
    expect(rec.log.filter((h) => h.startsWith('greeting'))).toEqual(['greeting box-101 unavailable 600Hz long']);
    await relay.delete(callId);
  });
});
