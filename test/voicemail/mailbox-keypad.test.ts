// The mailbox by phone with keys typed the way a real phone sends them:
// baresip's RFC 4733 events, each key lasting until the next is typed and
// the last never ending (test/voicemail/baresip-keypad.ts), on a real media
// relay. What the caller would notice: a PIN typed fast is accepted as soon
// as '#' is pressed, a PIN typed without '#' is taken whole when the caller
// stops, a held 7 deletes the message playing, and no key counts twice.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { detectToneSegments, generateTone } from '../../src/media/index.ts';
import { MediaRelay } from '../../src/media/relay/index.ts';
import { startMailboxSession, type MailboxAccess, type MailboxMessage, type MailboxPins } from '../../src/voicemail/mailbox/index.ts';
import { FakePhone } from '../media/fake-phone.ts';
import { typeLikeBaresip } from './baresip-keypad.ts';

const PIN = '703262';
const BOX = 'box-102';

let relay: MediaRelay;
const phones: FakePhone[] = [];
let nextCall = 0;

beforeAll(async () => {
  relay = await MediaRelay.start({ bindAddress: '127.0.0.1', portRange: { min: 45400, max: 45449 }, workers: 1 });
});
afterAll(async () => {
  for (const p of phones) p.close();
  await relay.close();
});

/** What the session did, in order; `when` settles once something matching has happened. */
class Happenings {
  readonly log: string[] = [];
  private waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  add(h: string): void {
    this.log.push(h);
    this.waiters = this.waiters.filter((w) => (w.re.test(h) ? (w.resolve(), false) : true));
  }
  when(re: RegExp): Promise<void> {
    if (this.log.some((h) => re.test(h))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`never happened: ${re}; log: ${this.log.join(' | ')}`)), 15_000);
      this.waiters.push({ re, resolve: () => (clearTimeout(t), resolve()) });
    });
  }
}

async function call(o: { telephoneEventPayloadType?: number; messages?: MailboxMessage[]; inputTimeoutMs?: number } = {}) {
  const phone = await FakePhone.open();
  phones.push(phone);
  const callId = `keypad-${++nextCall}`;
  phone.takeAnswer(await relay.answerOffer(callId, 'a', phone.offer({ codecs: ['PCMU'], telephoneEventPayloadType: o.telephoneEventPayloadType ?? 101 })));
  const seen = new Happenings();
  const mailbox: MailboxAccess = {
    list: (boxId) => Promise.resolve((o.messages ?? []).filter((m) => m.boxId === boxId)),
    // Long enough that the 7 lands while the message is still playing.
    audio: (id) => (seen.add(`play ${id}`), Promise.resolve(generateTone([600], 5000, { amplitude: 8000 }))),
    markHeard: (id) => (seen.add(`heard ${id}`), Promise.resolve()),
    delete: (id) => (seen.add(`deleted ${id}`), Promise.resolve()),
    counts: () => Promise.resolve({ newMessages: 0, oldMessages: 0 }),
    onChange: () => () => {},
  };
  const pins: MailboxPins = {
    findBox: () => Promise.resolve(BOX),
    verify: (a) => {
      seen.add(`verify ${a.pin}`);
      return Promise.resolve(a.pin === PIN ? { outcome: 'ok', boxId: BOX, ownerUserId: 'user-102' } : { outcome: 'wrong' });
    },
    change: () => Promise.resolve(false),
  };
  const session = startMailboxSession({
    relay,
    callId,
    legId: 'a',
    practiceId: 'practice-1',
    boxId: BOX,
    callerKey: 'device-102',
    mailbox,
    greetings: { saveGreeting: () => Promise.resolve() },
    renderSpeech: (text) => (seen.add(`say ${text}`), Promise.resolve(generateTone([440], 60, { amplitude: 4000 }))),
    pins,
    hangUp: () => seen.add('hang-up'),
    // Long: only '#' can submit in time, unless a test wants the caller's pause to.
    inputTimeoutMs: o.inputTimeoutMs ?? 60_000,
  });
  const end = async () => {
    session.hangup();
    await session.done;
    await relay.delete(callId);
  };
  return { phone, seen, end };
}

const message = (id: string): MailboxMessage => ({ id, boxId: BOX, receivedAt: '2026-11-28T08:00:00.000Z', durationMs: 5000, heard: false, partial: false });

describe('mailbox keys typed as baresip sends them', { timeout: 60_000 }, () => {
  for (const gapMs of [300, 400, 1000]) {
    it(`accepts the PIN typed ${gapMs} ms apart as soon as '#' is pressed (the '#' is still held)`, async () => {
      const { phone, seen, end } = await call();
      await seen.when(/^say Please enter your PIN/);
      typeLikeBaresip(phone, `${PIN}#`, { gapMs });
      await seen.when(/^say You have no messages/);
      expect(seen.log.filter((h) => h.startsWith('verify'))).toEqual([`verify ${PIN}`]);
      await end();
    });
  }

  it("takes the whole PIN typed 400 ms apart without '#' when the caller stops, the last digit still held", async () => {
    const { phone, seen, end } = await call({ inputTimeoutMs: 300 });
    await seen.when(/^say Please enter your PIN/);
    typeLikeBaresip(phone, PIN, { gapMs: 400 });
    await seen.when(/^verify /);
    await seen.when(/^say You have no messages/);
    expect(seen.log.filter((h) => h.startsWith('verify'))).toEqual([`verify ${PIN}`]);
    await end();
  });

  it('hears a digit pressed twice in a row twice, and a wrong PIN does not leak into the next try', async () => {
    const { phone, seen, end } = await call();
    await seen.when(/^say Please enter your PIN/);
    typeLikeBaresip(phone, '7033262#', { gapMs: 300 });
    await seen.when(/^say That mailbox and PIN do not match/);
    typeLikeBaresip(phone, `${PIN}#`, { gapMs: 300 });
    await seen.when(/^say You have no messages/);
    expect(seen.log.filter((h) => h.startsWith('verify'))).toEqual(['verify 7033262', `verify ${PIN}`]);
    await end();
  });

  it('deletes the message playing when 7 is pressed and held, once', async () => {
    const { phone, seen, end } = await call({ messages: [message('m1'), message('m2')] });
    await seen.when(/^say Please enter your PIN/);
    typeLikeBaresip(phone, `${PIN}#`, { gapMs: 300 });
    // The message's 600 Hz audio is reaching the phone.
    await phone.until(() => detectToneSegments(phone.decodedAudio(), { frequencyHz: 600 }).some((t) => t.durationMs >= 200));
    typeLikeBaresip(phone, '7', { gapMs: 300, heldUpdates: 40 });
    await seen.when(/^deleted m1/);
    await seen.when(/^play m2/);
    expect(seen.log.filter((h) => h.startsWith('deleted'))).toEqual(['deleted m1']);
    expect(seen.log.filter((h) => h === 'say Message deleted.')).toHaveLength(1);
    await end();
  });

  it('hears keys under the payload type the phone chose (96, not 101)', async () => {
    const { phone, seen, end } = await call({ telephoneEventPayloadType: 96 });
    await seen.when(/^say Please enter your PIN/);
    typeLikeBaresip(phone, `${PIN}#`, { gapMs: 300, payloadType: 96 });
    await seen.when(/^say You have no messages/);
    expect(seen.log.filter((h) => h.startsWith('verify'))).toEqual([`verify ${PIN}`]);
    await end();
  });
});
