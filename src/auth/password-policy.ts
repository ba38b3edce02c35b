/**
 * What passwords Sotto accepts, after NIST SP 800-63B section 5.1.1.2:
 * length matters, composition rules do not; refuse passwords found in lists
 * of commonly used ones and those built from context-specific words (the
 * user's own email and name, the practice, the service).
 */
import { readFileSync } from 'node:fs';
import { normalizePassword } from './password.ts';

export const PASSWORD_MIN_LENGTH = 12;
/** Long enough for any passphrase, short enough that hashing stays bounded. */
export const PASSWORD_MAX_LENGTH = 128;

export type PasswordPolicyViolation =
  | { code: 'password.too_short'; minLength: number }
  | { code: 'password.too_long'; maxLength: number }
  | { code: 'password.common' }
  | { code: 'password.contains_personal_info' };

export interface PasswordContext {
  email?: string | null;
  displayName?: string | null;
  /** More words a guesser would try: practice name, "sotto", the host name. */
  extraWords?: readonly string[];
}

let commonList: ReadonlySet<string> | undefined;

/** The generated deny list (src/auth/data/common-passwords.txt), loaded once. */
export function commonPasswords(): ReadonlySet<string> {
  commonList ??= new Set(
    readFileSync(new URL('./data/common-passwords.txt', import.meta.url), 'utf8')
      .split('\n')
      .filter((line) => line.length > 0),
  );
  return commonList;
}

/** Returns every rule the password breaks; an empty list means it is acceptable. */
export function checkPasswordPolicy(password: string, context: PasswordContext = {}): PasswordPolicyViolation[] {
  const normalized = normalizePassword(password);
  const length = [...normalized].length;
  const violations: PasswordPolicyViolation[] = [];
  if (length < PASSWORD_MIN_LENGTH) violations.push({ code: 'password.too_short', minLength: PASSWORD_MIN_LENGTH });
  if (length > PASSWORD_MAX_LENGTH) violations.push({ code: 'password.too_long', maxLength: PASSWORD_MAX_LENGTH });
  if (length > PASSWORD_MAX_LENGTH) return violations;
  if (isCommon(normalized)) violations.push({ code: 'password.common' });
  if (containsPersonalInfo(normalized, context)) violations.push({ code: 'password.contains_personal_info' });
  return violations;
}

/** What a refused password breaks, as the end of "the password is not accepted: …" (CLI and API alike). */
export function describePasswordViolation(v: PasswordPolicyViolation): string {
  switch (v.code) {
    case 'password.too_short':
      return `it must be at least ${v.minLength} characters`;
    case 'password.too_long':
      return `it must be at most ${v.maxLength} characters`;
    case 'password.common':
      return 'it is on the list of commonly used passwords';
    case 'password.contains_personal_info':
      return 'it must not be made of the name, email address or practice name';
  }
}

const LEET: Readonly<Record<string, string>> = { '0': 'o', '1': 'i', '3': 'e', '4': 'a', '5': 's', '7': 't', '@': 'a', $: 's', '!': 'i', '8': 'b' };

function deleet(s: string): string {
  return s.replace(/[0134578@$!]/g, (c) => LEET[c] ?? c);
}

/** Drops the decorations people bolt on to satisfy rules: leading/trailing digits, symbols and spaces. */
function core(s: string): string {
  return s.replace(/^[^\p{L}]+/u, '').replace(/[^\p{L}]+$/u, '');
}

function isCommon(password: string): boolean {
  const list = commonPasswords();
  const lower = password.toLowerCase();
  const squashed = lower.replace(/\s+/g, '');
  const candidates = new Set([lower, squashed, core(squashed), deleet(squashed), core(deleet(squashed)), deleet(core(squashed))]);
  candidates.delete('');
  for (const c of candidates) {
    if (list.has(c)) return true;
    const unit = repeatedUnit(c);
    if (unit !== null && (unit.length <= 4 || list.has(unit) || list.has(core(unit)))) return true;
  }
  return isRun(squashed);
}

/** "abcabcabcabc" -> "abc"; null when the string is not a repetition. */
function repeatedUnit(s: string): string | null {
  for (let n = 1; n <= s.length / 2; n++) {
    if (s.length % n === 0 && s.slice(0, n).repeat(s.length / n) === s) return s.slice(0, n);
  }
  return null;
}

const RUNS = ['0123456789', 'abcdefghijklmnopqrstuvwxyz', 'qwertyuiopasdfghjklzxcvbnm', '1qaz2wsx3edc4rfv5tgb6yhn7ujm8ik9ol0p'];

/** Straight runs along the alphabet, the digits or the keyboard, either direction, wrapping. */
function isRun(s: string): boolean {
  return RUNS.some((run) => {
    const loop = run.repeat(Math.ceil(s.length / run.length) + 1);
    const reversed = [...loop].reverse().join('');
    return loop.includes(s) || reversed.includes(s);
  });
}

/** Email providers whose names say nothing about the user. */
const GENERIC_DOMAIN_LABELS = new Set(['gmail', 'googlemail', 'yahoo', 'hotmail', 'outlook', 'live', 'icloud', 'aol', 'proton', 'protonmail', 'mail', 'com', 'net', 'org', 'edu', 'gov', 'co', 'us', 'uk', 'io']);

function contextTokens(context: PasswordContext): string[] {
  const tokens = new Set<string>();
  const split = (s: string) => s.toLowerCase().split(/[^\p{L}\p{N}]+/u);
  if (context.email) {
    const [local = '', domain = ''] = context.email.toLowerCase().split('@');
    tokens.add(local);
    for (const part of split(local)) tokens.add(part.replace(/\d+/g, ''));
    for (const label of split(domain)) if (!GENERIC_DOMAIN_LABELS.has(label)) tokens.add(label);
  }
  if (context.displayName) for (const part of split(context.displayName)) tokens.add(part);
  for (const word of context.extraWords ?? []) {
    tokens.add(word.toLowerCase().replace(/[^\p{L}\p{N}]+/gu, ''));
    for (const part of split(word)) tokens.add(part);
  }
  return [...tokens].filter((t) => [...t].length >= 3).sort((a, b) => b.length - a.length);
}

/**
 * A password that is mostly the user's own details ("DrSmith2024!!",
 * "smile-dental-2024") is guessed first. Personal words are allowed inside a
 * longer passphrase: refuse only when what remains once they are taken out
 * is shorter than 8 characters or is itself common ("admin2026").
 */
function containsPersonalInfo(password: string, context: PasswordContext): boolean {
  const tokens = contextTokens(context);
  if (tokens.length === 0) return false;
  for (const form of new Set([password.toLowerCase(), deleet(password.toLowerCase())])) {
    let rest = form;
    let found = false;
    for (const token of tokens) {
      if (rest.includes(token)) {
        found = true;
        rest = rest.split(token).join('');
      }
    }
    const meaningful = rest.replace(/[^\p{L}\p{N}]+/gu, '');
    if (found && ([...meaningful].length < 8 || isCommon(meaningful))) return true;
  }
  return false;
}
