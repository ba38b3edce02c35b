/**
 * Seals TOTP secrets for storage: AES-256-GCM, a fresh 96-bit nonce per
 * seal, the user id as associated data (a sealed secret copied onto another
 * user's row does not open), under a key derived by HKDF-SHA256 from the
 * master key. Kept to this one small module so the vault can take it over
 * (its envelope keys, its sealed format) without touching callers.
 *
 * Sealed form: "v1." base64url(nonce) "." base64url(ciphertext || tag).
 */
import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';

export interface TotpSecretBox {
  seal(userId: string, secret: Uint8Array): string;
  /** Null when the value does not open (wrong key, wrong user, altered). */
  open(userId: string, sealed: string): Uint8Array | null;
}

const INFO = 'sotto totp secret v1';
const NONCE_BYTES = 12;
const TAG_BYTES = 16;

export function createTotpSecretBox(masterKey: Uint8Array): TotpSecretBox {
  if (masterKey.length !== 32) throw new Error('the master key must be 32 bytes');
  const key = Buffer.from(hkdfSync('sha256', masterKey, 'sotto-totp-secret-box', INFO, 32));
  const aad = (userId: string) => Buffer.from(`sotto-totp:${userId}`, 'utf8');
  return {
    seal(userId, secret) {
      const nonce = randomBytes(NONCE_BYTES);
      const cipher = createCipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
      cipher.setAAD(aad(userId));
      const body = Buffer.concat([cipher.update(secret), cipher.final(), cipher.getAuthTag()]);
      return `v1.${nonce.toString('base64url')}.${body.toString('base64url')}`;
    },
    open(userId, sealed) {
      const m = /^v1\.([A-Za-z0-9_-]{16})\.([A-Za-z0-9_-]{22,})$/.exec(sealed);
      if (!m) return null;
      const nonce = Buffer.from(m[1]!, 'base64url');
      const body = Buffer.from(m[2]!, 'base64url');
      if (nonce.length !== NONCE_BYTES || body.length <= TAG_BYTES) return null;
      try {
        const decipher = createDecipheriv('aes-256-gcm', key, nonce, { authTagLength: TAG_BYTES });
        decipher.setAAD(aad(userId));
        decipher.setAuthTag(body.subarray(body.length - TAG_BYTES));
        return new Uint8Array(Buffer.concat([decipher.update(body.subarray(0, body.length - TAG_BYTES)), decipher.final()]));
      } catch {
        return null;
      }
    },
  };
}
