import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase } from '../../../test/support/db.ts';
import type { DatabaseHandle } from '../../db/index.ts';
import { addUser, CLI_ACTOR, createPractice, listExtensions, type Practice } from '../../directory/index.ts';
import { checkPinChoice, MailboxPinError, MAILBOX_AUDIT, PIN_LOCKOUT, setPin, verifyMailboxPin } from './pin.ts';

describe('PIN choice', () => {
  it('takes 6 to 16 digits that are not trivially guessed', () => {
    expect(checkPinChoice('402917')).toBeUndefined();
    expect(checkPinChoice('4029175530', '101')).toBeUndefined();
    expect(checkPinChoice('12345')).toBe('too-short');
    expect(checkPinChoice('12a456')).toBe('not-digits');
    expect(checkPinChoice('1'.repeat(17))).toBe('too-long');
    expect(checkPinChoice('777777')).toBe('too-simple');
    expect(checkPinChoice('123456')).toBe('too-simple');
    expect(checkPinChoice('987654')).toBe('too-simple');
    expect(checkPinChoice('890123')).toBe('too-simple');
    expect(checkPinChoice('101101', '101')).toBe('too-simple');
  });
});

describe.each(DIALECTS)('voicemail PINs on %s', (dialect) => {
  let h: DatabaseHandle;
  let practice: Practice;
  let box101 = '';
  let box102 = '';
  let owner101 = '';

  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    practice = await createPractice(h.db, { name: 'Pin Clinic', tier: 'pro', sipDomain: `pin-${dialect}.example` });
    owner101 = (await addUser(h.db, practice.id, { email: 'a@pin.example', displayName: 'A', role: 'staff', extension: '101' }, CLI_ACTOR, '402917')).user.id;
    await addUser(h.db, practice.id, { email: 'b@pin.example', displayName: 'B', role: 'staff', extension: '102' }, CLI_ACTOR, '551208');
    const exts = await listExtensions(h.db, practice.id);
    box101 = exts.find((e) => e.number === '101')!.voicemailBoxId!;
    box102 = exts.find((e) => e.number === '102')!.voicemailBoxId!;
  });
  afterAll(() => h.close());

  const audit = async () =>
    (await h.db.selectFrom('audit_events').select(['action', 'outcome', 'object_id', 'actor_id']).where('chain_key', '=', practice.id).orderBy('seq').execute()).filter((e) => e.action.startsWith('voicemail.'));

  it('signs in with the right PIN (audited as the box owner) and refuses a wrong one', async () => {
    expect(await verifyMailboxPin(h.db, { practiceId: practice.id, boxId: box101, pin: '402917', callerKey: 'dev-1' })).toEqual({ outcome: 'ok', boxId: box101, ownerUserId: owner101 });
    expect(await verifyMailboxPin(h.db, { practiceId: practice.id, boxId: box101, pin: '000001', callerKey: 'dev-1' })).toEqual({ outcome: 'wrong' });
    expect((await audit()).slice(-2)).toEqual([
      { action: MAILBOX_AUDIT.signIn, outcome: 'success', object_id: box101, actor_id: owner101 },
      { action: MAILBOX_AUDIT.signIn, outcome: 'failure', object_id: box101, actor_id: 'mailbox-phone' },
    ]);
  });

  it('sets a new PIN, hashed and audited; refuses a weak one', async () => {
    await setPin(h.db, box101, '660193', { type: 'user', id: owner101 });
    const row = await h.db.selectFrom('voicemail_boxes').select('pin_hash').where('id', '=', box101).executeTakeFirstOrThrow();
    expect(row.pin_hash).toMatch(/^\$argon2id\$/);
    expect(row.pin_hash).not.toContain('660193');
    expect((await verifyMailboxPin(h.db, { practiceId: practice.id, boxId: box101, pin: '660193', callerKey: 'dev-1' })).outcome).toBe('ok');
    expect((await verifyMailboxPin(h.db, { practiceId: practice.id, boxId: box101, pin: '402917', callerKey: 'dev-1' })).outcome).toBe('wrong');
    await expect(setPin(h.db, box101, '123456', CLI_ACTOR)).rejects.toMatchObject({ code: 'PIN_INVALID', reason: 'too-simple' });
    await expect(setPin(h.db, 'no-such-box', '660193', CLI_ACTOR)).rejects.toBeInstanceOf(MailboxPinError);
    expect((await audit()).filter((e) => e.action === MAILBOX_AUDIT.pinChange)).toEqual([{ action: MAILBOX_AUDIT.pinChange, outcome: 'success', object_id: box101, actor_id: owner101 }]);
  });

  it('locks a box after 5 wrong PINs from different callers, even for the right PIN, and unlocks after 15 minutes', async () => {
    const t0 = Date.now();
    const results: string[] = [];
    for (let i = 0; i < PIN_LOCKOUT.maxFailures; i++) {
      results.push((await verifyMailboxPin(h.db, { practiceId: practice.id, boxId: box102, pin: `99000${i}`, callerKey: `spray-${i}`, now: t0 + i })).outcome);
    }
    expect(results).toEqual(['wrong', 'wrong', 'wrong', 'wrong', 'locked']);
    const right = await verifyMailboxPin(h.db, { practiceId: practice.id, boxId: box102, pin: '551208', callerKey: 'dev-2', now: t0 + 10 });
    expect(right.outcome).toBe('locked');
    expect((await audit()).filter((e) => e.action === MAILBOX_AUDIT.locked)).toEqual([{ action: MAILBOX_AUDIT.locked, outcome: 'denied', object_id: box102, actor_id: 'mailbox-phone' }]);
    expect((await verifyMailboxPin(h.db, { practiceId: practice.id, boxId: box102, pin: '551208', callerKey: 'dev-2', now: t0 + PIN_LOCKOUT.lockMs + 10 })).outcome).toBe('ok');
  });

  it('locks a caller after 5 wrong PINs across boxes, including boxes that do not exist', async () => {
    const t0 = Date.now();
    const results: string[] = [];
    const boxes = [box101, null, box102, null, box101];
    for (const [i, boxId] of boxes.entries()) {
      results.push((await verifyMailboxPin(h.db, { practiceId: practice.id, boxId, pin: `88000${i}`, callerKey: 'roaming-guesser', now: t0 + i })).outcome);
    }
    expect(results).toEqual(['wrong', 'wrong', 'wrong', 'wrong', 'locked']);
    // The boxes themselves are not locked: their owners still get in from their own phones.
    expect((await verifyMailboxPin(h.db, { practiceId: practice.id, boxId: box101, pin: '660193', callerKey: 'dev-1', now: t0 + 20 })).outcome).toBe('ok');
    expect((await verifyMailboxPin(h.db, { practiceId: practice.id, boxId: box101, pin: '660193', callerKey: 'roaming-guesser', now: t0 + 21 })).outcome).toBe('locked');
  });
});
