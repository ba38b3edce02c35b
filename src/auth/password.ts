/**
 * Portal password hashing: argon2id through node-argon2 (the reference C
 * implementation), PHC string format ("$argon2id$v=19$m=…,t=…,p=…$salt$hash").
 *
 * Parameters. Default is RFC 9106 section 4's SECOND RECOMMENDED option for
 * memory-constrained servers: argon2id, m = 64 MiB, t = 3, p = 4, 16-byte
 * salt, 32-byte tag. That is stronger on every axis than the OWASP Password
 * Storage Cheat Sheet minimum (argon2id, m = 19 MiB, t = 2, p = 1) and took
 * about 230 ms on this project's 2-core build machine. Weaker settings than
 * OWASP's table of equivalent minimums are refused, so a config typo cannot
 * silently weaken storage.
 */
import argon2 from 'argon2';

export interface Argon2Params {
  /** KiB. */
  memoryCost: number;
  timeCost: number;
  parallelism: number;
}

export const ARGON2_DEFAULTS: Readonly<Argon2Params> = Object.freeze({ memoryCost: 65536, timeCost: 3, parallelism: 4 });

/** OWASP's equivalent argon2id minimums: [memory KiB, iterations], parallelism 1. */
const OWASP_MINIMUMS: ReadonlyArray<readonly [number, number]> = [
  [47104, 1],
  [19456, 2],
  [12288, 3],
  [9216, 4],
  [7168, 5],
];

export const OWASP_MINIMUM: Readonly<Argon2Params> = Object.freeze({ memoryCost: 19456, timeCost: 2, parallelism: 1 });

const HASH_LENGTH = 32;
const ARGON2_VERSION = 0x13;

export function meetsOwaspMinimum(p: Argon2Params): boolean {
  return p.parallelism >= 1 && OWASP_MINIMUMS.some(([m, t]) => p.memoryCost >= m && p.timeCost >= t);
}

/**
 * NIST SP 800-63B section 5.1.1.2: normalise Unicode before hashing so the
 * same password typed on two keyboards (composed vs decomposed accents)
 * verifies. NFKC is fixed here for good: changing it would orphan hashes.
 */
export function normalizePassword(password: string): string {
  return password.normalize('NFKC');
}

export interface PasswordHasher {
  readonly params: Readonly<Argon2Params>;
  hash(password: string): Promise<string>;
  /** False for a wrong password and for a stored value that is not an argon2 PHC string. */
  verify(storedHash: string, password: string): Promise<boolean>;
  /**
   * Spends the same time as a real verify and returns false. Call it when the
   * email is unknown so the answer cannot be told apart by timing.
   */
  verifyUnknownUser(password: string): Promise<false>;
  /** True when the stored hash was made with other parameters or another algorithm; rehash after a successful sign-in. */
  needsRehash(storedHash: string): boolean;
  /**
   * Computes the placeholder hash verifyUnknownUser compares against. Call at
   * startup; otherwise the first unknown email pays for it and takes longer.
   */
  prepare(): Promise<void>;
}

export function createPasswordHasher(params: Argon2Params = ARGON2_DEFAULTS): PasswordHasher {
  if (!meetsOwaspMinimum(params)) throw new Error('argon2id parameters are below the OWASP minimum');
  const frozen = Object.freeze({ ...params });
  const options = { type: argon2.argon2id, hashLength: HASH_LENGTH, version: ARGON2_VERSION, ...frozen };
  let dummy: Promise<string> | undefined;

  const verify = async (storedHash: string, password: string): Promise<boolean> => {
    if (parsePhc(storedHash) === null) return false;
    try {
      return await argon2.verify(storedHash, normalizePassword(password));
    } catch {
      return false;
    }
  };

  return {
    params: frozen,
    hash: (password) => argon2.hash(normalizePassword(password), options),
    verify,
    async prepare() {
      dummy ??= argon2.hash('sotto-unknown-user-placeholder', options);
      await dummy;
    },
    async verifyUnknownUser(password) {
      dummy ??= argon2.hash('sotto-unknown-user-placeholder', options);
      await verify(await dummy, password);
      return false;
    },
    needsRehash(storedHash) {
      const phc = parsePhc(storedHash);
      if (phc === null) return true;
      return (
        phc.algorithm !== 'argon2id' ||
        phc.version !== ARGON2_VERSION ||
        phc.memoryCost !== frozen.memoryCost ||
        phc.timeCost !== frozen.timeCost ||
        phc.parallelism !== frozen.parallelism ||
        phc.hashBytes !== HASH_LENGTH
      );
    },
  };
}

interface ParsedPhc extends Argon2Params {
  algorithm: string;
  version: number;
  hashBytes: number;
}

/** "$argon2id$v=19$m=65536,t=3,p=4$<b64 salt>$<b64 hash>"; null when it is not that shape. */
export function parsePhc(stored: string): ParsedPhc | null {
  const m = /^\$(argon2(?:id|i|d))\$v=(\d+)\$m=(\d+),t=(\d+),p=(\d+)\$([A-Za-z0-9+/]+)\$([A-Za-z0-9+/]+)$/.exec(stored);
  if (m === null) return null;
  const [, algorithm, v, mem, t, p, , hash] = m as unknown as [string, string, string, string, string, string, string, string];
  return {
    algorithm,
    version: Number(v),
    memoryCost: Number(mem),
    timeCost: Number(t),
    parallelism: Number(p),
    hashBytes: Math.floor((hash.length * 3) / 4),
  };
}
