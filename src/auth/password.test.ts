import { describe, expect, it } from 'vitest';
import { ARGON2_DEFAULTS, OWASP_MINIMUM, createPasswordHasher, meetsOwaspMinimum, parsePhc } from './password.ts';
import { checkPasswordPolicy, commonPasswords } from './password-policy.ts';

// Tests hash at the OWASP floor to stay quick; one test covers the default.
const hasher = createPasswordHasher(OWASP_MINIMUM);

describe('password hashing', () => {
  it('produces argon2id PHC strings that verify, and refuses the wrong password', async () => {
    const stored = await hasher.hash('tidy-lantern-orbit-57');
    expect(stored).toMatch(/^\$argon2id\$v=19\$m=19456,t=2,p=1\$/);
    expect(await hasher.verify(stored, 'tidy-lantern-orbit-57')).toBe(true);
    expect(await hasher.verify(stored, 'tidy-lantern-orbit-58')).toBe(false);
  });

  it('salts: the same password hashes differently each time', async () => {
    expect(await hasher.hash('tidy-lantern-orbit-57')).not.toBe(await hasher.hash('tidy-lantern-orbit-57'));
  });

  it('verifies composed and decomposed accents alike (NFKC)', async () => {
    const stored = await hasher.hash('caf\u00e9 au lait sans sucre');
    expect(await hasher.verify(stored, 'cafe\u0301 au lait sans sucre')).toBe(true);
  });

  it('uses RFC 9106 second recommended parameters by default', async () => {
    const strong = createPasswordHasher();
    expect(strong.params).toEqual({ memoryCost: 65536, timeCost: 3, parallelism: 4 });
    const stored = await strong.hash('tidy-lantern-orbit-57');
    expect(stored.startsWith('$argon2id$v=19$m=65536,t=3,p=4$')).toBe(true);
    expect(strong.needsRehash(stored)).toBe(false);
  });

  it('asks for a rehash when parameters or algorithm differ', async () => {
    const stored = await hasher.hash('tidy-lantern-orbit-57');
    expect(hasher.needsRehash(stored)).toBe(false);
    expect(createPasswordHasher(ARGON2_DEFAULTS).needsRehash(stored)).toBe(true);
    expect(hasher.needsRehash(stored.replace('$argon2id$', '$argon2i$'))).toBe(true);
    expect(hasher.needsRehash('$2b$10$abcdefghijklmnopqrstuv')).toBe(true);
  });

  it('treats garbage in the stored column as a failed verify, not a crash', async () => {
    expect(await hasher.verify('', 'x')).toBe(false);
    expect(await hasher.verify('$argon2id$v=19$m=1,t=1,p=1$AAAA$AAAA', 'x')).toBe(false);
  });

  it('answers an unknown user with false after a real argon2 verify', async () => {
    await hasher.prepare();
    expect(await hasher.verifyUnknownUser('anything at all')).toBe(false);
  });

  it('refuses parameters below the OWASP minimum', () => {
    expect(meetsOwaspMinimum({ memoryCost: 19456, timeCost: 2, parallelism: 1 })).toBe(true);
    expect(meetsOwaspMinimum({ memoryCost: 47104, timeCost: 1, parallelism: 1 })).toBe(true);
    expect(meetsOwaspMinimum({ memoryCost: 19456, timeCost: 1, parallelism: 1 })).toBe(false);
    expect(() => createPasswordHasher({ memoryCost: 4096, timeCost: 3, parallelism: 1 })).toThrow();
  });

  it('parses PHC strings', () => {
    expect(parsePhc('$argon2id$v=19$m=19456,t=2,p=1$c2FsdHNhbHRzYWx0$aGFzaGhhc2hoYXNoaGFzaGhhc2hoYXNoaGFzaGhhc2g')).toMatchObject({
      algorithm: 'argon2id',
      version: 19,
      memoryCost: 19456,
      timeCost: 2,
      parallelism: 1,
    });
    expect(parsePhc('plaintext')).toBeNull();
  });
});

describe('password policy', () => {
  const codes = (pw: string, ctx = {}) => checkPasswordPolicy(pw, ctx).map((v) => v.code);

  it('accepts a long unremarkable passphrase', () => {
    expect(codes('tidy lantern orbit fifty-seven')).toEqual([]);
    expect(codes('Gx7#pL2q!rVz9')).toEqual([]);
  });

  it('enforces 12 to 128 characters, counting characters not bytes', () => {
    expect(checkPasswordPolicy('Gx7#pL2q!rV')).toEqual([{ code: 'password.too_short', minLength: 12 }]);
    expect(codes('\u00e9'.repeat(6) + 'Gx7#pL')).toEqual([]);
    expect(checkPasswordPolicy('a'.repeat(129))).toEqual([{ code: 'password.too_long', maxLength: 128 }]);
  });

  it('ships a deny list of a few thousand entries', () => {
    const list = commonPasswords();
    expect(list.size).toBeGreaterThan(3000);
    for (const pw of ['password', '123456', 'qwerty', 'iloveyou', 'letmein', 'trustno1', 'dragon']) expect(list.has(pw)).toBe(true);
  });

  it.each([
    'password1234',
    'Password2024!',
    'P@ssw0rd12345',
    'qwertyuiop123',
    '123456789012',
    'iloveyou1234!',
    'Sunshine1985!!',
    'aaaaaaaaaaaa',
    'abcabcabcabc',
    'abcdefghijkl',
    'zyxwvutsrqpo',
    'monkeymonkeymonkey',
    '1qaz2wsx3edc',
    'Michael19801980',
    'Summer2024Summer2024',
  ])('refuses the common pattern %s', (pw) => {
    expect(codes(pw)).toContain('password.common');
  });

  it('refuses passwords built from the user\'s own details', () => {
    const ctx = { email: 'jane.whitfield@smiledental.example', displayName: 'Jane Whitfield', extraWords: ['Sotto', 'Smile Dental'] };
    expect(codes('JaneWhitfield2024', ctx)).toContain('password.contains_personal_info');
    expect(codes('whitfield@1234567', ctx)).toContain('password.contains_personal_info');
    expect(codes('SmileDental!2024', ctx)).toContain('password.contains_personal_info');
    expect(codes('sotto-admin-2026', ctx)).toContain('password.contains_personal_info');
    expect(codes('jane.whitfield@smiledental.example', ctx)).toContain('password.contains_personal_info');
    // A personal word inside a real passphrase is fine.
    expect(codes('jane loves quiet harbour mornings', ctx)).toEqual([]);
  });
});
