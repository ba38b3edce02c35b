// `sotto user password` and `sotto user mfa-reset`: the way back in for
// someone locked out of the portal (a forgotten password, a lost phone with
// the recovery codes spent), for the operator with a shell on the server.
// They matter most for an owner, whom no one in the portal can reset when
// they are the only one. Each is audited as a system action (the CLI) and
// queues the account's security notice for the running server to send.
import { checkPasswordPolicy, createPasswordHasher, describePasswordViolation } from '../../auth/index.ts';
import { CLI_ACTOR, resetSecondFactor, setPortalPassword, type User } from '../../directory/index.ts';
import { KyselyOutboxStore, type SecurityEvent } from '../../notify/index.ts';
import type { Runtime } from '../../app/runtime.ts';
import { selectPractice, withRuntime } from '../context.ts';
import { CliError, printJson, printLines, usageError } from '../output.ts';
import { readSecretLine } from '../stdin.ts';
import { resolveUser } from './user.ts';

interface Common {
  practice?: string;
  json?: boolean;
}

/**
 * A new portal password for a user, from stdin (or --password). As an
 * admin's reset in the portal: the user's sessions end and their API tokens
 * are revoked (whoever knew the old password may have made one).
 */
export async function userPasswordCommand(ref: string | undefined, o: Common & { password?: string; stdin?: () => Promise<string> }): Promise<number> {
  if (!ref) throw usageError('MISSING_ARGUMENT', 'usage: sotto user password <user id or email> < password.txt   (or --password P)');
  const password = o.password ?? (await (o.stdin ?? (() => readSecretLine('New portal password, then Enter: ')))());
  if (password.length === 0) throw usageError('MISSING_ARGUMENT', 'no password given: pipe it on stdin or pass --password');
  const out = await withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    const user = await resolveUser(rt, practice.id, ref);
    // The portal's rules: length, the common-password list, not made of the user's name, email or the practice.
    const violations = checkPasswordPolicy(password, { email: user.email, displayName: user.displayName, extraWords: [practice.name, 'sotto'] });
    if (violations.length > 0) throw new CliError('WEAK_PASSWORD', `the password is not accepted: ${violations.map(describePasswordViolation).join('; ')}`);
    const done = await setPortalPassword(rt.database.db, practice.id, user.id, await createPasswordHasher().hash(password), CLI_ACTOR, 'operator');
    return { user: { id: user.id }, passwordChanged: true, ...done, noticeQueued: await queueSecurityNotice(rt, user, 'password_changed') };
  });
  if (o.json) printJson(out);
  else printLines([`Portal password of user ${out.user.id} changed: ${count(out.endedSessions, 'session')} ended, ${count(out.revokedTokens, 'API token')} revoked.`, ...noticeLine(out.noticeQueued)]);
  return 0;
}

/**
 * Clears a user's two-step sign-in (TOTP secret, recovery codes) and ends
 * their sessions: they sign in with their password alone, and an owner or
 * admin sets up an authenticator again at once. A user without two-step
 * sign-in is left as they are (exit 0, nothing recorded).
 */
export async function userMfaResetCommand(ref: string | undefined, o: Common): Promise<number> {
  if (!ref) throw usageError('MISSING_ARGUMENT', 'usage: sotto user mfa-reset <user id or email>');
  const out = await withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    const user = await resolveUser(rt, practice.id, ref);
    const done = await resetSecondFactor(rt.database.db, practice.id, user.id, CLI_ACTOR);
    return { user: { id: user.id }, ...done, noticeQueued: done.reset ? await queueSecurityNotice(rt, user, 'mfa_reset') : false };
  });
  if (o.json) printJson(out);
  else if (!out.reset) printLines([`User ${out.user.id} has no two-step sign-in set up; nothing changed.`]);
  else
    printLines([
      `Two-step sign-in of user ${out.user.id} reset: ${count(out.recoveryCodesCleared, 'recovery code')} cleared, ${count(out.endedSessions, 'session')} ended.`,
      'They sign in with their password; an owner or admin then sets up an authenticator app again.',
      ...noticeLine(out.noticeQueued),
    ]);
  return 0;
}

/**
 * Puts the notice in the outbox the running server sends from (it looks
 * every minute). The change is made whatever happens here: a notice that
 * cannot be queued is said on stderr, by code.
 */
async function queueSecurityNotice(rt: Runtime, user: User, event: SecurityEvent): Promise<boolean> {
  if (!rt.config.smtpUrl) return false;
  try {
    const now = Date.now();
    await new KyselyOutboxStore(rt.database.db, rt.database.dialect).add({ kind: 'security', userId: user.id, to: user.email, event, occurredAt: now }, now);
    return true;
  } catch (e) {
    process.stderr.write(`sotto: the change is made, but its email notice could not be queued (${String((e as { code?: unknown }).code ?? 'error')})\n`);
    return false;
  }
}

function count(n: number, what: string): string {
  return `${n} ${what}${n === 1 ? '' : 's'}`;
}

function noticeLine(queued: boolean): string[] {
  return queued ? ['An email notice to the user is queued; the running server sends it within a minute.'] : [];
}
