// Names, labels and reasons: one rule for every writer (the API and the CLI
// both come through these functions). Blank text, control characters, line
// breaks, lone surrogates and bidi overrides are INVALID_INPUT and nothing
// is written, on SQLite and on PostgreSQL (which refuses NUL in text with
// an error of its own: the rule must answer first).
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { DIALECTS, openTestDatabase, tableSnapshot } from '../../test/support/db.ts';
import { ACCEPTED_TEXT, REFUSED_TEXT } from '../../test/support/text.ts';
import type { DatabaseHandle } from '../db/index.ts';
import {
  addDevice,
  addUser,
  checkDisplayText,
  CLI_ACTOR,
  createApiToken,
  createPractice,
  DISPLAY_TEXT_PATTERN,
  openBreakGlass,
  updatePractice,
  updateUser,
  type Practice,
  type User,
} from './index.ts';

describe('checkDisplayText', () => {
  const field = { field: 'displayName', what: 'a name', max: 20 };

  it.each(REFUSED_TEXT)('refuses %s', (_label, value) => {
    expect(() => checkDisplayText(value, field)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT', details: { field: 'displayName' } }));
  });

  it('accepts names in any script, with accents, emoji and right-to-left marks', () => {
    for (const value of ACCEPTED_TEXT) expect(() => checkDisplayText(value, { ...field, max: 120 }), value).not.toThrow();
  });

  it('counts the limit in characters, as the API schema does', () => {
    expect(() => checkDisplayText('😷'.repeat(20), field)).not.toThrow();
    expect(() => checkDisplayText('x'.repeat(21), field)).toThrow(expect.objectContaining({ code: 'INVALID_INPUT' }));
  });

  it('says the same as the schema pattern the API validates with (Ajv compiles it with the u flag)', () => {
    const pattern = new RegExp(DISPLAY_TEXT_PATTERN, 'u');
    for (const [label, value] of REFUSED_TEXT) expect(pattern.test(value), label).toBe(false);
    for (const value of ACCEPTED_TEXT) expect(pattern.test(value), value).toBe(true);
  });
});

describe.each(DIALECTS)('every writer of display text, on %s', (dialect) => {
  let h: DatabaseHandle;
  let practice: Practice;
  let user: User;
  beforeAll(async () => {
    h = await openTestDatabase(dialect);
    practice = await createPractice(h.db, { name: 'Maple Dental', tier: 'pro', sipDomain: `maple-text-${dialect}.example` });
    ({ user } = await addUser(h.db, practice.id, { email: 'desk@maple.example', displayName: 'Front Desk', role: 'provider', extension: '101' }, CLI_ACTOR));
  });
  afterAll(() => h.close());

  const writers: Record<string, { field: string; write: (value: string) => Promise<unknown> }> = {
    addUser: { field: 'displayName', write: (v) => addUser(h.db, practice.id, { email: 'new@maple.example', displayName: v, role: 'staff', extension: '150' }, CLI_ACTOR) },
    updateUser: { field: 'displayName', write: (v) => updateUser(h.db, practice.id, user.id, { displayName: v }, CLI_ACTOR) },
    createPractice: { field: 'name', write: (v) => createPractice(h.db, { name: v, tier: 'pro', sipDomain: `other-${dialect}.example` }) },
    updatePractice: { field: 'name', write: (v) => updatePractice(h.db, practice.id, { name: v }, CLI_ACTOR) },
    addDevice: { field: 'label', write: (v) => addDevice(h.db, practice.id, user.id, { kind: 'softphone', label: v }, CLI_ACTOR) },
    openBreakGlass: {
      field: 'reason',
      write: (v) => openBreakGlass(h.db, practice.id, { userId: user.id, targetType: 'user', targetId: user.id, reason: `${v} a patient is waiting` }, CLI_ACTOR),
    },
    createApiToken: { field: 'label', write: (v) => createApiToken(h.db, practice.id, user.id, 'staff', v, CLI_ACTOR) },
  };

  it.each(Object.keys(writers))('%s refuses each bad value with INVALID_INPUT and writes nothing', async (name) => {
    const { field, write } = writers[name]!;
    const before = await tableSnapshot(h);
    for (const [label, value] of REFUSED_TEXT) {
      // The reason is padded with words: only its bad characters may be what is refused.
      if (name === 'openBreakGlass' && !/[^\s\p{Cf}]/u.test(value)) continue;
      await expect(write(value), `${name} ${label}`).rejects.toMatchObject({ name: 'DirectoryError', code: 'INVALID_INPUT', details: { field } });
    }
    expect(await tableSnapshot(h)).toEqual(before);
  });

  it('a blank break-glass reason is refused too', async () => {
    await expect(openBreakGlass(h.db, practice.id, { userId: user.id, targetType: 'user', targetId: user.id, reason: ' \t ' }, CLI_ACTOR)).rejects.toMatchObject({ code: 'INVALID_INPUT', details: { field: 'reason' } });
  });

  it('stores good text exactly as typed', async () => {
    for (const value of ACCEPTED_TEXT) {
      expect((await updateUser(h.db, practice.id, user.id, { displayName: value }, CLI_ACTOR)).user.displayName).toBe(value);
      expect((await updatePractice(h.db, practice.id, { name: value }, CLI_ACTOR)).name).toBe(value);
    }
  });
});
