import { describe, expect, it } from 'vitest';
import { ManualClock } from './clock.ts';
import { OWASP_MINIMUM, createPasswordHasher } from './password.ts';
import { generateRecoveryCodes } from './recovery-codes.ts';
import { verifyPasswordSignIn, verifySecondFactor, type PasswordAccount } from './sign-in.ts';
import { SignInThrottle } from './throttle.ts';
import { totpAt } from './totp.ts';

const hasher = createPasswordHasher(OWASP_MINIMUM);
const PASSWORD = 'tidy lantern orbit fifty-seven';

async function setup() {
  const clock = new ManualClock(1_700_000_000_000);
  const throttle = SignInThrottle.create(clock);
  const accounts = new Map<string, PasswordAccount>([
    ['dr.a@example.test', { userId: 'u1', passwordHash: await hasher.hash(PASSWORD), active: true }],
    ['gone@example.test', { userId: 'u2', passwordHash: await hasher.hash(PASSWORD), active: false }],
  ]);
  const deps = { hasher, throttle, findAccountByEmail: async (e: string) => accounts.get(e.toLowerCase()) ?? null };
  return { clock, throttle, deps };
}

const invalid = { ok: false, error: { code: 'auth.invalid_credentials' } };

describe('password sign-in', () => {
  it('answers an unknown email, a wrong password and a deactivated user identically', async () => {
    const { deps } = await setup();
    expect(await verifyPasswordSignIn(deps, { email: 'dr.a@example.test', password: PASSWORD, sourceIp: '192.0.2.1' })).toEqual({
      ok: true,
      value: { userId: 'u1', newPasswordHash: null },
    });
    expect(await verifyPasswordSignIn(deps, { email: 'nobody@example.test', password: PASSWORD, sourceIp: '192.0.2.2' })).toEqual(invalid);
    expect(await verifyPasswordSignIn(deps, { email: 'dr.a@example.test', password: 'wrong', sourceIp: '192.0.2.3' })).toEqual(invalid);
    expect(await verifyPasswordSignIn(deps, { email: 'gone@example.test', password: PASSWORD, sourceIp: '192.0.2.4' })).toEqual(invalid);
  });

  it('locks known and unknown emails alike after 5 failures, even with the right password', async () => {
    const { deps } = await setup();
    for (const email of ['dr.a@example.test', 'nobody@example.test']) {
      for (let i = 0; i < 5; i++) await verifyPasswordSignIn(deps, { email, password: 'wrong', sourceIp: `198.51.100.${i}` });
      const locked = await verifyPasswordSignIn(deps, { email, password: PASSWORD, sourceIp: '203.0.113.1' });
      expect(locked).toEqual({ ok: false, error: { code: 'throttle.account_locked', retryAfterMs: 15 * 60_000 } });
    }
  });

  it('hands back a new hash when the parameters changed', async () => {
    const { deps } = await setup();
    const stronger = createPasswordHasher({ ...OWASP_MINIMUM, timeCost: 3 });
    const r = await verifyPasswordSignIn({ ...deps, hasher: stronger }, { email: 'dr.a@example.test', password: PASSWORD, sourceIp: '192.0.2.1' });
    expect(r.ok && r.value.newPasswordHash).toMatch(/^\$argon2id\$v=19\$m=19456,t=3,p=1\$/);
  });
});

describe('second factor', () => {
  const secret = new Uint8Array(Buffer.from('12345678901234567890'));

  it('accepts a TOTP code once, then refuses its replay', async () => {
    const { clock, throttle } = await setup();
    const state = { totpSecret: secret, totpLastUsedStep: null, recoveryCodes: [] };
    const code = totpAt(secret, clock.now());
    const first = verifySecondFactor({ throttle, nowMs: clock.now() }, { email: 'dr.a@example.test', sourceIp: '192.0.2.1', code, state });
    expect(first).toEqual({ ok: true, value: { kind: 'totp', step: Math.floor(clock.now() / 30_000) } });
    const step = first.ok && first.value.kind === 'totp' ? first.value.step : null;
    const replay = verifySecondFactor(
      { throttle, nowMs: clock.now() + 1000 },
      { email: 'dr.a@example.test', sourceIp: '192.0.2.1', code, state: { ...state, totpLastUsedStep: step } },
    );
    expect(replay).toEqual(invalid);
  });

  it('accepts a recovery code and reports how many remain', async () => {
    const { clock, throttle } = await setup();
    const { codes, stored } = generateRecoveryCodes();
    const state = { totpSecret: secret, totpLastUsedStep: null, recoveryCodes: stored };
    expect(verifySecondFactor({ throttle, nowMs: clock.now() }, { email: 'dr.a@example.test', sourceIp: '192.0.2.1', code: codes[0]!, state })).toEqual({
      ok: true,
      value: { kind: 'recovery_code', index: 0, remaining: 9 },
    });
  });

  it('locks the account after 5 wrong codes', async () => {
    const { clock, throttle } = await setup();
    const state = { totpSecret: secret, totpLastUsedStep: null, recoveryCodes: [] };
    const wrong = totpAt(secret, clock.now() + 10 * 30_000);
    for (let i = 0; i < 5; i++) {
      expect(verifySecondFactor({ throttle, nowMs: clock.now() }, { email: 'dr.a@example.test', sourceIp: `192.0.2.${i}`, code: wrong, state })).toEqual(invalid);
    }
    const right = totpAt(secret, clock.now());
    expect(verifySecondFactor({ throttle, nowMs: clock.now() }, { email: 'dr.a@example.test', sourceIp: '192.0.2.9', code: right, state })).toMatchObject({
      ok: false,
      error: { code: 'throttle.account_locked' },
    });
  });
});
