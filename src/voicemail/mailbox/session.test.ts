// The session runner with an in-memory relay: the test is the phone, so it
// decides exactly when each key arrives relative to the lookups the menu
// waits on (the box, the PIN check, the message list).
import { describe, expect, it } from 'vitest';
import type { MailboxAccess, MailboxMessage, MailboxRelay } from './ports.ts';
import { startMailboxSession, type MailboxPins } from './session.ts';

const PIN = '703262';

/** A promise settled from outside: a lookup the test lets finish when it wants. */
function deferred<T>() {
  let resolve!: (v: T) => void;
  const promise = new Promise<T>((r) => (resolve = r));
  return { promise, resolve };
}

class Log {
  readonly lines: string[] = [];
  private waiters: Array<{ re: RegExp; resolve: () => void }> = [];
  add(line: string): void {
    this.lines.push(line);
    this.waiters = this.waiters.filter((w) => (w.re.test(line) ? (w.resolve(), false) : true));
  }
  when(re: RegExp): Promise<void> {
    if (this.lines.some((l) => re.test(l))) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const t = setTimeout(() => reject(new Error(`never happened: ${re}; log: ${this.lines.join(' | ')}`)), 4000);
      this.waiters.push({ re, resolve: () => (clearTimeout(t), resolve()) });
    });
  }
}

function harness(o: { boxId?: string; messages?: MailboxMessage[]; findBox?: Promise<string | null>; verify?: Promise<void> } = {}) {
  const log = new Log();
  let keypad: ((n: { legId: string; digit: string }) => void) | undefined;
  const relay: MailboxRelay = {
    // Prompts and messages play until stopped (barge-in) or the test ends.
    play: () => {
      const done = deferred<'finished' | 'stopped'>();
      return Promise.resolve({ done: done.promise, stop: () => (done.resolve('stopped'), Promise.resolve()) });
    },
    onDtmf: (_callId, listener) => ((keypad = listener), () => (keypad = undefined)),
    record: () => Promise.reject(new Error('not in these tests')),
  };
  const mailbox: MailboxAccess = {
    list: () => Promise.resolve(o.messages ?? []),
    audio: (id) => (log.add(`play ${id}`), Promise.resolve(new Int16Array(160))),
    markHeard: (id) => (log.add(`heard ${id}`), Promise.resolve()),
    delete: (id) => (log.add(`deleted ${id}`), Promise.resolve()),
    counts: () => Promise.resolve({ newMessages: 0, oldMessages: 0 }),
    onChange: () => () => {},
  };
  const pins: MailboxPins = {
    findBox: async (_p, ext) => {
      log.add(`find ${ext}`);
      return o.findBox ? o.findBox : ext === '102' ? 'box-102' : null;
    },
    verify: async (a) => {
      log.add(`verify ${a.pin}`);
      await o.verify;
      return a.pin === PIN ? { outcome: 'ok', boxId: 'box-102', ownerUserId: 'user-102' } : { outcome: 'wrong' };
    },
    change: () => Promise.resolve(false),
  };
  const session = startMailboxSession({
    relay,
    callId: 'call-1',
    legId: 'a',
    practiceId: 'practice-1',
    ...(o.boxId ? { boxId: o.boxId } : {}),
    callerKey: 'device-102',
    mailbox,
    greetings: { saveGreeting: () => Promise.resolve() },
    renderSpeech: (text) => (log.add(`say ${text}`), Promise.resolve(new Int16Array(160))),
    pins,
    hangUp: () => log.add('hang-up'),
    inputTimeoutMs: 60_000,
  });
  const type = (keys: string) => {
    for (const digit of keys) keypad!({ legId: 'a', digit });
  };
  return { log, type, session };
}

const message = (id: string): MailboxMessage => ({ id, boxId: 'box-102', receivedAt: '2026-11-28T08:00:00.000Z', durationMs: 5000, heard: false, partial: false });

describe('mailbox session: keys typed ahead of a lookup', () => {
  it('*97: the PIN typed while the mailbox number is still being looked up is not lost', async () => {
    const box = deferred<string | null>();
    const { log, type, session } = harness({ findBox: box.promise });
    await log.when(/^say Please enter your mailbox number/);
    type('102#');
    await log.when(/^find 102/);
    type(`${PIN}#`);
    box.resolve('box-102');
    await log.when(/^say You have no messages/);
    expect(log.lines.filter((l) => l.startsWith('verify'))).toEqual([`verify ${PIN}`]);
    session.hangup();
    await session.done;
  });

  it('7 typed while the PIN is being checked deletes the first message, once', async () => {
    const checked = deferred<void>();
    const { log, type, session } = harness({ boxId: 'box-102', messages: [message('m1'), message('m2')], verify: checked.promise });
    await log.when(/^say Please enter your PIN/);
    type(`${PIN}#`);
    await log.when(/^verify /);
    type('7');
    checked.resolve();
    await log.when(/^deleted m1/);
    await log.when(/^say Message deleted\./);
    expect(log.lines.filter((l) => l.startsWith('deleted'))).toEqual(['deleted m1']);
    session.hangup();
    await session.done;
  });

  it('a second try typed during a wrong PIN check is heard as the next attempt', async () => {
    const checked = deferred<void>();
    const { log, type, session } = harness({ boxId: 'box-102', verify: checked.promise });
    await log.when(/^say Please enter your PIN/);
    type('703362#');
    await log.when(/^verify 703362/);
    type(`${PIN}#`);
    checked.resolve();
    await log.when(/^say You have no messages/);
    expect(log.lines.filter((l) => l.startsWith('verify'))).toEqual(['verify 703362', `verify ${PIN}`]);
    session.hangup();
    await session.done;
  });
});
