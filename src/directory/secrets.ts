// Credentials Sotto hands out. Each is shown once; only what verification
// needs is stored (digest HA1 values, argon2id hashes, SHA-256 of tokens).
import { createHash, randomInt } from 'node:crypto';
import argon2 from 'argon2';
import { computeHa1 } from '../sip/auth/index.ts';

// No look-alikes (0/O, 1/l/I) so a secret can be typed into a phone's keypad UI.
export const SECRET_ALPHABET = 'abcdefghijkmnopqrstuvwxyzABCDEFGHJKLMNPQRSTUVWXYZ23456789';

/** 20 symbols of a 57-letter alphabet: about 117 bits. */
export function generateSipPassword(): string {
  let s = '';
  for (let i = 0; i < 20; i++) s += SECRET_ALPHABET[randomInt(SECRET_ALPHABET.length)];
  return s;
}

/** A portal password an admin hands to a user: 20 symbols of the same alphabet (about 117 bits), readable aloud. */
export function generatePortalPassword(): string {
  return generateSipPassword();
}

export function generatePin(digits = 6): string {
  let s = '';
  for (let i = 0; i < digits; i++) s += String(randomInt(10));
  return s;
}

/** RFC 3261 §22.4 / RFC 7616 §3.4.2: HA1 = H(username ":" realm ":" password), as the registrar checks it. */
export function digestHa1(algorithm: 'MD5' | 'SHA-256', username: string, realm: string, password: string): string {
  return computeHa1(algorithm, username, realm, password);
}

// A PIN has ~20 bits of entropy: the hash only keeps it from being read off
// a stolen database at a glance; the real defence is the lockout on PIN entry.
const PIN_HASH = { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 } as const;

export function hashPin(pin: string): Promise<string> {
  return argon2.hash(pin, PIN_HASH);
}

export function verifyPin(hash: string, pin: string): Promise<boolean> {
  return argon2.verify(hash, pin);
}

export function sha256Hex(s: string): string {
  return createHash('sha256').update(s).digest('hex');
}
