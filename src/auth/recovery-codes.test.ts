import { describe, expect, it } from 'vitest';
import {
  RECOVERY_ALPHABET,
  generateRecoveryCodes,
  hashRecoveryCode,
  remainingRecoveryCodes,
  verifyRecoveryCode,
} from './recovery-codes.ts';

describe('recovery codes', () => {
  it('generates ten distinct XXXX-XXXX-XXXX-XXXX codes and stores only SHA-256 hashes', () => {
    const { codes, stored } = generateRecoveryCodes();
    expect(codes).toHaveLength(10);
    expect(new Set(codes).size).toBe(10);
    for (const code of codes) expect(code).toMatch(/^[2-9A-HJ-NP-Z]{4}(-[2-9A-HJ-NP-Z]{4}){3}$/);
    expect(RECOVERY_ALPHABET).toHaveLength(32);
    for (const [i, s] of stored.entries()) {
      expect(s).toEqual({ hash: expect.stringMatching(/^sha256:[0-9a-f]{64}$/), usedAt: null });
      expect(JSON.stringify(s)).not.toContain(codes[i]!.replace(/-/g, ''));
    }
  });

  it('hashes the golden value the database will hold', () => {
    // SHA-256 of the normalised code "ABCDEFGHJKLMNPQR" (no dashes, upper case).
    const golden = 'sha256:7cf629bb82226bfb6356859edb341b8f36a74d8997c4fe385dbef6dc85c5c4bb';
    expect(hashRecoveryCode('ABCD-EFGH-JKLM-NPQR')).toBe(golden);
    expect(hashRecoveryCode('abcd efgh jklm npqr')).toBe(golden);
  });

  it('verifies a code typed in lower case without dashes, once', () => {
    const { codes, stored } = generateRecoveryCodes();
    const typed = codes[3]!.toLowerCase().replace(/-/g, ' ');
    const first = verifyRecoveryCode(typed, stored);
    expect(first).toEqual({ ok: true, value: { index: 3 } });
    const after = stored.map((s, i) => (i === 3 ? { ...s, usedAt: 1 } : s));
    expect(verifyRecoveryCode(typed, after)).toEqual({ ok: false, error: { code: 'recovery_code.used' } });
    expect(remainingRecoveryCodes(after)).toBe(9);
  });

  it('refuses unknown and malformed codes', () => {
    const { stored } = generateRecoveryCodes();
    expect(verifyRecoveryCode('2222-2222-2222-2222', stored)).toEqual({ ok: false, error: { code: 'recovery_code.invalid' } });
    expect(verifyRecoveryCode('0000-0000-0000-0000', stored)).toEqual({ ok: false, error: { code: 'recovery_code.malformed' } });
    expect(verifyRecoveryCode('ABCD', stored)).toEqual({ ok: false, error: { code: 'recovery_code.malformed' } });
  });
});
