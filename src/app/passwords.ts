// Portal password hashing. argon2id at OWASP's first recommended setting
// (m=19 MiB, t=2, p=1; OWASP Password Storage Cheat Sheet). The auth module
// takes this over with its password policy.
import argon2 from 'argon2';

export function hashPassword(password: string): Promise<string> {
  return argon2.hash(password, { type: argon2.argon2id, memoryCost: 19456, timeCost: 2, parallelism: 1 });
}
