// `sotto demo` prints only credentials that still work (operator audit
// finding: after a PIN change a rerun set the PIN back to the demo's and
// printed it, undoing the change; had it not, it would have printed a PIN
// that no longer opened the box). A changed secret prints as null.
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { describe, expect, it } from 'vitest';
import { verifyPin } from '../../src/directory/index.ts';
import { sotto } from '../support/cli.ts';

describe('sotto demo after a credential changed', { timeout: 180_000 }, () => {
  it('prints null for a changed voicemail PIN, keeps the new PIN, and prints the rest as before', async () => {
    const env = { SOTTO_DATA_DIR: mkdtempSync(join(tmpdir(), 'sotto-demo-rerun-')) };
    const first = sotto(['demo', '--json'], env);
    expect(first.status, first.stderr).toBe(0);
    const demo = JSON.parse(first.stdout);
    const newPin = demo.extensions[0].voicemailPin === '739184' ? '739185' : '739184';
    const set = sotto(['voicemail', 'pin', 'set', '--extension', '101', '--pin', newPin], env);
    expect(set.status, set.stderr).toBe(0);

    const again = sotto(['demo', '--json'], env);
    expect(again.status, again.stderr).toBe(0);
    const expected = structuredClone(demo);
    expected.extensions[0].voicemailPin = null;
    expect(JSON.parse(again.stdout)).toEqual(expected);
    const text = sotto(['demo'], env);
    expect(text.status, text.stderr).toBe(0);
    expect(text.stdout).toContain('ext 101: SIP user 101 password ' + demo.extensions[0].sipPassword + ', voicemail PIN (changed since the demo set it; not shown)');
    expect(text.stdout).toContain(`ext 102: SIP user 102 password ${demo.extensions[1].sipPassword}, voicemail PIN ${demo.extensions[1].voicemailPin}`);

    // The operator's PIN still opens the box: the demo did not set its own back.
    const db = new Database(join(env.SOTTO_DATA_DIR, 'sotto.db'), { readonly: true });
    const box = db.prepare("select b.pin_hash from voicemail_boxes b join extensions e on e.id = b.extension_id where e.number = '101'").get() as { pin_hash: string };
    const pinChanges = (db.prepare("select count(*) as n from audit_events where action = 'voicemail.pin_change'").get() as { n: number }).n;
    db.close();
    expect(await verifyPin(box.pin_hash, newPin)).toBe(true);
    expect(pinChanges).toBe(1);
  });
});
