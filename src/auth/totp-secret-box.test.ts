import { randomBytes } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { createTotpSecretBox } from './totp-secret-box.ts';

describe('TOTP secret box', () => {
  const box = createTotpSecretBox(randomBytes(32));
  const secret = new Uint8Array(randomBytes(20));

  it('round-trips, and never stores the secret in the clear', () => {
    const sealed = box.seal('user-1', secret);
    expect(sealed).toMatch(/^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
    expect(sealed).not.toContain(Buffer.from(secret).toString('base64url'));
    expect(box.open('user-1', sealed)).toEqual(secret);
    expect(box.seal('user-1', secret)).not.toBe(sealed);
  });

  it('refuses another user, another key and any altered byte', () => {
    const sealed = box.seal('user-1', secret);
    expect(box.open('user-2', sealed)).toBeNull();
    expect(createTotpSecretBox(randomBytes(32)).open('user-1', sealed)).toBeNull();
    const last = sealed.at(-2) === 'A' ? 'B' : 'A';
    expect(box.open('user-1', sealed.slice(0, -2) + last + sealed.slice(-1))).toBeNull();
    expect(box.open('user-1', 'plain')).toBeNull();
  });
});
