// Which table a unique violation is about, as each real driver reports it:
// the directory turns a race lost to a concurrent writer into the field the
// person must change (EXTENSION_TAKEN at the extension, EMAIL_TAKEN at the
// email), instead of blaming the email for a taken number.
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { uniqueViolationTable, type DatabaseHandle } from '../../src/db/index.ts';
import { addUser, CLI_ACTOR, createPractice } from '../../src/directory/index.ts';
import { DIALECTS, openTestDatabase } from '../support/db.ts';

describe.each(DIALECTS)('unique violations on %s', (dialect) => {
  let handle: DatabaseHandle;
  let practiceId = '';
  beforeAll(async () => {
    handle = await openTestDatabase(dialect);
    practiceId = (await createPractice(handle.db, { name: 'Cedar', tier: 'pro', sipDomain: `cedar-${Math.random().toString(36).slice(2)}.example` })).id;
    await addUser(handle.db, practiceId, { email: 'first@cedar.example', displayName: 'First', role: 'staff', extension: '201' }, CLI_ACTOR);
  });
  afterAll(() => handle.close());

  /** The error the driver raises for `run`, which must break a unique key. */
  async function violation(run: () => Promise<unknown>): Promise<unknown> {
    try {
      await run();
    } catch (e) {
      return e;
    }
    throw new Error('no violation');
  }

  it('names the extensions table for a number taken twice', async () => {
    const row = await handle.db.selectFrom('extensions').selectAll().where('practice_id', '=', practiceId).where('number', '=', '201').executeTakeFirstOrThrow();
    const taken = await violation(() => handle.db.insertInto('extensions').values({ ...row, id: 'ext-dup', user_id: null }).execute());
    expect(uniqueViolationTable(taken)).toBe('extensions');
  });

  it('names the users table for an email taken twice, and nothing for other errors', async () => {
    const row = await handle.db.selectFrom('users').selectAll().where('practice_id', '=', practiceId).where('email', '=', 'first@cedar.example').executeTakeFirstOrThrow();
    const taken = await violation(() => handle.db.insertInto('users').values({ ...row, id: 'u-dup' }).execute());
    expect(uniqueViolationTable(taken)).toBe('users');
    expect(uniqueViolationTable(new Error('UNIQUE constraint failed: users.email'))).toBeUndefined();
    expect(uniqueViolationTable(undefined)).toBeUndefined();
  });
});
