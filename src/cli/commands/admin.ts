import { checkPasswordPolicy, createPasswordHasher, describePasswordViolation } from '../../auth/index.ts';
import { addUser, checkDisplayName, checkEmail, CLI_ACTOR, createPractice, generateSipPassword, listPractices } from '../../directory/index.ts';
import { isTier, type Tier } from '../../policy/index.ts';
import { defaultSipDomain } from '../../app/config.ts';
import { withRuntime } from '../context.ts';
import { CliError, usageError, printJson, printLines } from '../output.ts';

export interface AdminCreateOptions {
  email?: string;
  name?: string;
  password?: string;
  practiceName?: string;
  tier?: string;
  sipDomain?: string;
  practice?: string;
  json?: boolean;
}

/**
 * Creates an owner account. On an empty install it first creates the
 * practice (name, tier, SIP domain), so this is how a new box is set up.
 */
export async function adminCreateCommand(o: AdminCreateOptions): Promise<number> {
  if (!o.email || !o.name) throw usageError('MISSING_ARGUMENT', 'usage: sotto admin create --email EMAIL --name "NAME" [--password P] [--practice-name N] [--tier T]');
  if (o.tier !== undefined && !isTier(o.tier)) throw usageError('INVALID_TIER', '--tier must be essentials, pro or pro-plus');
  if (o.password !== undefined) {
    // The same rules as the portal's password change: length, the common-password list, no name or email in it.
    const violations = checkPasswordPolicy(o.password, { email: o.email, displayName: o.name, extraWords: o.practiceName ? [o.practiceName] : [] });
    if (violations.length > 0) throw new CliError('WEAK_PASSWORD', `the password is not accepted: ${violations.map(describePasswordViolation).join('; ')}`);
  }
  // Checked before the practice is made: a refused owner must not leave an ownerless practice behind.
  try {
    checkEmail(o.email.trim());
  } catch {
    throw new CliError('INVALID_INPUT', 'not an email address');
  }
  // A DirectoryError INVALID_INPUT: main.ts prints it and exits 2, as for its CliError twins above.
  checkDisplayName(o.name);
  const password = o.password ?? generateSipPassword();
  const result = await withRuntime(async (rt) => {
    const practices = await listPractices(rt.database.db);
    let practice = o.practice ? practices.find((p) => p.id === o.practice) : practices.length === 1 ? practices[0] : undefined;
    if (!practice && practices.length > 1) throw new CliError('PRACTICE_AMBIGUOUS', `${practices.length} practices exist: choose one with --practice <id>`);
    if (!practice && o.practice) throw new CliError('PRACTICE_NOT_FOUND', `no practice with id ${o.practice}`);
    if (practice && (o.practiceName !== undefined || o.tier !== undefined || o.sipDomain !== undefined)) {
      // Said rather than dropped: the owner would otherwise join a practice other than the one asked for.
      throw new CliError('PRACTICE_EXISTS', `practice "${practice.name}" already exists: --practice-name, --tier and --sip-domain only apply to the first practice; leave them out to add an owner to it, or change the practice in the portal`);
    }
    if (!practice) {
      practice = await createPractice(rt.database.db, {
        name: o.practiceName ?? 'My Practice',
        tier: (o.tier as Tier | undefined) ?? 'essentials',
        sipDomain: o.sipDomain ?? defaultSipDomain(rt.config),
      });
    }
    const { user } = await addUser(rt.database.db, practice.id, { email: o.email!, displayName: o.name!, role: 'owner', passwordHash: await createPasswordHasher().hash(password) }, CLI_ACTOR);
    return { practice, user };
  });
  const out = {
    practice: { id: result.practice.id, name: result.practice.name, tier: result.practice.tier, sipDomain: result.practice.sipDomain },
    admin: { id: result.user.id, email: result.user.email, role: result.user.role, password: o.password === undefined ? password : undefined },
  };
  if (o.json) printJson(out);
  else {
    printLines([
      `Owner ${out.admin.email} created (id ${out.admin.id}) for practice "${out.practice.name}" (${out.practice.tier}).`,
      ...(out.admin.password ? [`Password (shown once): ${out.admin.password}`] : []),
    ]);
  }
  return 0;
}
