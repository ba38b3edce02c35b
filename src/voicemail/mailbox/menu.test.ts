import { describe, expect, it } from 'vitest';
import { MENU_LIMITS, startMenu, step, type MenuAction, type MenuEvent, type MenuState } from './menu.ts';
import type { MailboxMessage } from './ports.ts';
import { promptText } from './prompts.ts';

const msg = (id: string, heard = false): MailboxMessage => ({ id, boxId: 'box-1', receivedAt: '2026-11-28T08:00:00.000Z', durationMs: 4000, heard, partial: false });

/** Runs events through the machine; returns the final state and every action in a readable form. */
function drive(start: { state: MenuState; actions: readonly MenuAction[] }, events: MenuEvent[]): { state: MenuState; log: string[] } {
  const log: string[] = [];
  const note = (actions: readonly MenuAction[]) => {
    for (const a of actions) {
      if (a.kind === 'say') log.push(`say ${a.prompts.map((p) => (p.count !== undefined ? `${p.id}(${p.count})` : p.id)).join(' + ')}`);
      else if (a.kind === 'play-message' || a.kind === 'mark-heard' || a.kind === 'delete') log.push(`${a.kind} ${a.messageId}`);
      else if (a.kind === 'verify-pin') log.push(`verify-pin ${a.boxId} ${a.pin}`);
      else if (a.kind === 'find-box') log.push(`find-box ${a.extension}`);
      else if (a.kind === 'record-greeting') log.push(`record-greeting ${a.which}`);
      else if (a.kind === 'save-greeting') log.push(`save-greeting ${a.which}`);
      else if (a.kind === 'change-pin') log.push(`change-pin ${a.pin}`);
      else log.push(a.kind);
    }
  };
  note(start.actions);
  let state = start.state;
  for (const e of events) {
    const next = step(state, e);
    state = next.state;
    // The timer restarted by each key typed is shown once per entry, not per digit.
    note(e.kind === 'dtmf' ? next.actions.filter((a) => a.kind !== 'await-input') : next.actions);
  }
  return { state, log };
}

const keys = (s: string): MenuEvent[] => [...s].map((digit) => ({ kind: 'dtmf', digit }));
const done: MenuEvent = { kind: 'prompt-finished' };

describe('mailbox menu', () => {
  it('marks a message heard once it has played to the end (the lamp goes out without "2 save"); one skipped with # stays new', () => {
    const { log } = drive(startMenu('box-1'), [
      done,
      ...keys('402917#'),
      { kind: 'pin-checked', outcome: 'ok', boxId: 'box-1' },
      { kind: 'messages-loaded', messages: [msg('m1'), msg('m2')] },
      done, // intro of message 1 said
      done, // message 1 played to the end
      ...keys('#'), // next, from the options
      done, // intro of message 2 said
      ...keys('#'), // skipped during its audio
    ]);
    expect(log.filter((l) => l.startsWith('mark-heard'))).toEqual(['mark-heard m1']);
  });

  it('own extension: PIN, then "you have N new messages", then each message with save, delete and next', () => {
    const { state, log } = drive(startMenu('box-1'), [
      done,
      ...keys('402917#'),
      { kind: 'pin-checked', outcome: 'ok', boxId: 'box-1' },
      { kind: 'messages-loaded', messages: [msg('m1'), msg('m2'), msg('m3'), msg('m4', true)] },
      done, // intro of message 1 said
      done, // message 1 audio played
      done, // options said
      ...keys('2'), // save
      done,
      ...keys('1'), // replay message 2 during its audio
      done,
      ...keys('7'), // delete message 2 during the options
      done, // intro of m3 (now message 2)
      ...keys('#'), // next
      ...keys('#'), // next past the last
      ...keys('*'),
      done,
    ]);
    expect(log).toEqual([
      'say enter-pin',
      'await-input',
      'verify-pin box-1 402917',
      'load-messages',
      'say new-messages(3) + saved-messages(1) + message-number(1)',
      'play-message m1',
      'mark-heard m1',
      'say message-options',
      'await-input',
      'say message-saved + message-number(2)',
      'play-message m2',
      'play-message m2',
      'mark-heard m2',
      'say message-options',
      'delete m2',
      'say message-deleted + message-number(2)',
      'play-message m3',
      'say message-number(3)',
      'say no-more-messages + main-menu',
      'say goodbye',
      'hang-up',
    ]);
    expect(state.name).toBe('ended');
  });

  it('*97: asks the mailbox number, then the PIN; a wrong PIN asks for both again without saying which was wrong', () => {
    const { log } = drive(startMenu(null), [
      ...keys('105#'),
      { kind: 'box-found', boxId: null },
      ...keys('111111#'),
      { kind: 'pin-checked', outcome: 'wrong' },
      ...keys('101#'),
      { kind: 'box-found', boxId: 'box-101' },
      ...keys('402917#'),
      { kind: 'pin-checked', outcome: 'ok', boxId: 'box-101' },
      { kind: 'messages-loaded', messages: [] },
    ]);
    expect(log).toEqual([
      'say enter-mailbox',
      'find-box 105',
      'say enter-pin',
      'verify-pin null 111111',
      'say login-incorrect + enter-mailbox',
      'find-box 101',
      'say enter-pin',
      'verify-pin box-101 402917',
      'load-messages',
      'say no-messages + main-menu',
    ]);
  });

  it(`ends the call after ${MENU_LIMITS.pinAttemptsPerCall} wrong PINs, and at once when locked out`, () => {
    const wrong: MenuEvent[] = [...keys('000000#'), { kind: 'pin-checked', outcome: 'wrong' }];
    const { log } = drive(startMenu('box-1'), [...wrong, ...wrong, ...wrong, done]);
    expect(log.slice(-3)).toEqual(['verify-pin box-1 000000', 'say login-incorrect + goodbye', 'hang-up']);
    const locked = drive(startMenu('box-1'), [...keys('000000#'), { kind: 'pin-checked', outcome: 'locked' }, done]);
    expect(locked.log.slice(-2)).toEqual(['say locked-out + goodbye', 'hang-up']);
  });

  it('never reaches the messages without a PIN: keys and results out of turn are ignored', () => {
    const { state, log } = drive(startMenu('box-1'), [{ kind: 'messages-loaded', messages: [msg('m1')] }, { kind: 'pin-checked', outcome: 'ok', boxId: 'box-1' }, ...keys('1')]);
    expect(state.name).toBe('collect');
    expect(log).toEqual(['say enter-pin']);
  });

  it('changes the greeting: record until #, too short is refused, 2 records again, 1 keeps', () => {
    const signedIn = drive(startMenu('box-1'), [...keys('402917#'), { kind: 'pin-checked', outcome: 'ok', boxId: 'box-1' }, { kind: 'messages-loaded', messages: [] }]);
    const { log } = drive({ state: signedIn.state, actions: [] }, [
      ...keys('3'),
      ...keys('2'),
      done,
      ...keys('#'),
      { kind: 'greeting-recorded', durationMs: 300 },
      done,
      ...keys('#'),
      { kind: 'greeting-recorded', durationMs: 4000 },
      ...keys('2'),
      done,
      ...keys('#'),
      { kind: 'greeting-recorded', durationMs: 5000 },
      ...keys('1'),
    ]);
    expect(log).toEqual([
      'say greeting-choose',
      'say greeting-record',
      'record-greeting busy',
      'stop-recording',
      'say greeting-too-short + greeting-record',
      'record-greeting busy',
      'stop-recording',
      'say greeting-review',
      'say greeting-record',
      'record-greeting busy',
      'stop-recording',
      'say greeting-review',
      'save-greeting busy',
      'say greeting-saved + main-menu',
    ]);
  });

  it('changes the PIN only when typed twice alike and hard to guess', () => {
    const signedIn = drive(startMenu('box-1'), [...keys('402917#'), { kind: 'pin-checked', outcome: 'ok', boxId: 'box-1' }, { kind: 'messages-loaded', messages: [] }]);
    const { log } = drive({ state: signedIn.state, actions: [] }, [
      ...keys('4'),
      ...keys('123456#'),
      ...keys('660193#'),
      ...keys('660194#'),
      ...keys('660193#'),
      ...keys('660193#'),
      { kind: 'pin-saved', ok: true },
    ]);
    expect(log).toEqual([
      'say new-pin',
      'say pin-invalid + new-pin',
      'say confirm-pin',
      'say pin-mismatch + new-pin',
      'say confirm-pin',
      'change-pin 660193',
      'say pin-changed + main-menu',
    ]);
  });

  it('re-prompts on silence and hangs up after three silences in a row', () => {
    const { state, log } = drive(startMenu('box-1'), [done, { kind: 'timeout' }, done, { kind: 'timeout' }, done, { kind: 'timeout' }, done]);
    expect(log).toEqual(['say enter-pin', 'await-input', 'say enter-pin', 'await-input', 'say enter-pin', 'await-input', 'say goodbye', 'hang-up']);
    expect(state.name).toBe('ended');
  });

  it('takes digits typed without # when the caller goes quiet, restarting the silence timer with each key', () => {
    const { log } = drive(startMenu('box-1'), [done, ...keys('402917'), { kind: 'timeout' }]);
    expect(log.at(-1)).toBe('verify-pin box-1 402917');
    const typed = step(startMenu('box-1').state, { kind: 'dtmf', digit: '4' });
    expect(typed.actions).toEqual([{ kind: 'await-input' }]);
  });

  it('stops a greeting recording when the caller hangs up, and ignores everything after', () => {
    const signedIn = drive(startMenu('box-1'), [...keys('402917#'), { kind: 'pin-checked', outcome: 'ok', boxId: 'box-1' }, { kind: 'messages-loaded', messages: [] }]);
    const { state, log } = drive({ state: signedIn.state, actions: [] }, [...keys('31'), done, { kind: 'hangup' }, ...keys('1'), done]);
    expect(log).toEqual(['say greeting-choose', 'say greeting-record', 'record-greeting unavailable', 'stop-recording']);
    expect(state.name).toBe('ended');
  });

  it('speaks every prompt in plain English with the count in it', () => {
    expect(promptText({ id: 'new-messages', count: 1 })).toBe('You have 1 new message.');
    expect(promptText({ id: 'new-messages', count: 3 })).toBe('You have 3 new messages.');
    expect(promptText({ id: 'message-number', count: 2 })).toBe('Message 2.');
  });
});
