import { describe, expect, it } from 'vitest';
import { base32Decode, base32Encode } from './base32.ts';
import { dynamicTruncate, hotp, hotpHmac } from './hotp.ts';
import { otpauthUri, totpAt, totpSecretFromBase32, totpStep, verifyTotp } from './totp.ts';

const ascii = (s: string) => new Uint8Array(Buffer.from(s, 'ascii'));

describe('base32 (RFC 4648 section 10 test vectors)', () => {
  const vectors: Array<[string, string]> = [
    ['', ''],
    ['f', 'MY======'],
    ['fo', 'MZXQ===='],
    ['foo', 'MZXW6==='],
    ['foob', 'MZXW6YQ='],
    ['fooba', 'MZXW6YTB'],
    ['foobar', 'MZXW6YTBOI======'],
  ];
  it.each(vectors)('%j <-> %s', (plain, encoded) => {
    expect(base32Encode(ascii(plain))).toBe(encoded);
    const decoded = base32Decode(encoded);
    expect(decoded.ok && Buffer.from(decoded.value).toString('ascii')).toBe(plain);
  });

  it('decodes what people type: lower case, spaces, no padding', () => {
    const decoded = base32Decode('mzxw 6ytb oi');
    expect(decoded.ok && Buffer.from(decoded.value).toString('ascii')).toBe('foobar');
  });

  it('refuses bad characters and impossible lengths without throwing', () => {
    expect(base32Decode('MZXW1YTB')).toEqual({ ok: false, error: { code: 'base32.invalid_character', index: 4 } });
    expect(base32Decode('MZX')).toEqual({ ok: false, error: { code: 'base32.invalid_length' } });
  });

  it('round-trips every length', () => {
    for (let n = 0; n < 40; n++) {
      const bytes = new Uint8Array(n).map((_, i) => (i * 37 + n) & 0xff);
      const decoded = base32Decode(base32Encode(bytes, { padding: n % 2 === 0 }));
      expect(decoded.ok && Buffer.from(decoded.value)).toEqual(Buffer.from(bytes));
    }
  });
});

describe('HOTP (RFC 4226 Appendix D)', () => {
  const secret = ascii('12345678901234567890');
  const expected = ['755224', '287082', '359152', '969429', '338314', '254676', '287922', '162583', '399871', '520489'];

  it('matches the intermediate HMAC and truncation for count 0', () => {
    const mac = hotpHmac(secret, 0);
    expect(mac.toString('hex')).toBe('cc93cf18508d94934c64b65d8ba7667fb7cde4b0');
    expect(dynamicTruncate(mac)).toBe(1284755224);
  });

  it.each(expected.map((code, count) => [count, code] as const))('count %i -> %s', (count, code) => {
    expect(hotp(secret, count)).toBe(code);
  });
});

describe('TOTP (RFC 6238 Appendix B)', () => {
  const seeds = {
    SHA1: ascii('12345678901234567890'),
    SHA256: ascii('12345678901234567890123456789012'),
    SHA512: ascii('1234567890123456789012345678901234567890123456789012345678901234'),
  } as const;
  const table: Array<[number, string, string, string]> = [
    [59, '94287082', '46119246', '90693936'],
    [1111111109, '07081804', '68084774', '25091201'],
    [1111111111, '14050471', '67062674', '99943326'],
    [1234567890, '89005924', '91819424', '93441116'],
    [2000000000, '69279037', '90698825', '38618901'],
    [20000000000, '65353130', '77737706', '47863826'],
  ];
  it.each(table)('T=%i', (seconds, sha1, sha256, sha512) => {
    const at = seconds * 1000;
    expect(totpAt(seeds.SHA1, at, { digits: 8 })).toBe(sha1);
    expect(totpAt(seeds.SHA256, at, { digits: 8, algorithm: 'SHA256' })).toBe(sha256);
    expect(totpAt(seeds.SHA512, at, { digits: 8, algorithm: 'SHA512' })).toBe(sha512);
  });

  it('uses 6 digits by default (the last six of the 8-digit vector)', () => {
    expect(totpAt(seeds.SHA1, 59_000)).toBe('287082');
  });
});

describe('verifyTotp', () => {
  const secret = ascii('12345678901234567890');
  const now = 1_234_567_890_000;
  const step = totpStep(now);

  it('accepts the current code and returns its step', () => {
    expect(verifyTotp({ secret, code: totpAt(secret, now), nowMs: now, lastUsedStep: null })).toEqual({ ok: true, value: { step } });
  });

  it('accepts one step either side, not two', () => {
    for (const delta of [-1, 1]) {
      const code = totpAt(secret, now + delta * 30_000);
      expect(verifyTotp({ secret, code, nowMs: now, lastUsedStep: null })).toEqual({ ok: true, value: { step: step + delta } });
    }
    for (const delta of [-2, 2]) {
      const code = totpAt(secret, now + delta * 30_000);
      expect(verifyTotp({ secret, code, nowMs: now, lastUsedStep: null })).toEqual({ ok: false, error: { code: 'totp.invalid' } });
    }
  });

  it('refuses a replay of the same code, and an older code after a newer one', () => {
    const code = totpAt(secret, now);
    const first = verifyTotp({ secret, code, nowMs: now, lastUsedStep: null });
    expect(first.ok).toBe(true);
    const lastUsedStep = first.ok ? first.value.step : -1;
    expect(verifyTotp({ secret, code, nowMs: now + 5_000, lastUsedStep })).toEqual({ ok: false, error: { code: 'totp.replayed' } });
    const older = totpAt(secret, now - 30_000);
    expect(verifyTotp({ secret, code: older, nowMs: now, lastUsedStep })).toEqual({ ok: false, error: { code: 'totp.replayed' } });
    const next = totpAt(secret, now + 30_000);
    expect(verifyTotp({ secret, code: next, nowMs: now + 30_000, lastUsedStep })).toEqual({ ok: true, value: { step: step + 1 } });
  });

  it('tells malformed input apart from a wrong code', () => {
    expect(verifyTotp({ secret, code: '12345', nowMs: now, lastUsedStep: null })).toEqual({ ok: false, error: { code: 'totp.malformed' } });
    expect(verifyTotp({ secret, code: '12a456', nowMs: now, lastUsedStep: null })).toEqual({ ok: false, error: { code: 'totp.malformed' } });
    const spaced = totpAt(secret, now).replace(/^(...)/, '$1 ');
    expect(verifyTotp({ secret, code: spaced, nowMs: now, lastUsedStep: null }).ok).toBe(true);
  });
});

describe('otpauth URI', () => {
  it('carries the base32 secret and the parameters apps read', () => {
    const secret = ascii('12345678901234567890');
    expect(otpauthUri({ issuer: 'Sotto Smile Dental', accountName: 'dr.a@example.test', secret })).toBe(
      'otpauth://totp/Sotto%20Smile%20Dental:dr.a%40example.test?secret=GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ&issuer=Sotto%20Smile%20Dental&algorithm=SHA1&digits=6&period=30',
    );
    const back = totpSecretFromBase32('GEZDGNBVGY3TQOJQGEZDGNBVGY3TQOJQ');
    expect(back.ok && Buffer.from(back.value).toString('ascii')).toBe('12345678901234567890');
  });
});
