import { CLI_ACTOR, createApiToken, listUsers, roleAtLeast } from '../../directory/index.ts';
import { selectPractice, withRuntime } from '../context.ts';
import { CliError, usageError, printJson, printLines } from '../output.ts';
import { resolveUser } from './user.ts';

/** `sotto token create --role admin|staff [--user EMAIL|ID]`: a bearer token for the API, shown once. */
export async function tokenCreateCommand(o: { role?: string; user?: string; label?: string; practice?: string; json?: boolean }): Promise<number> {
  // No default role: a token is a standing credential, and which powers it carries is the operator's
  // choice to state (README lists --role as required; it once fell back to staff without a word).
  if (o.role === undefined) throw usageError('MISSING_ARGUMENT', 'usage: sotto token create --role admin|staff [--user EMAIL|ID] [--label L]: --role is required');
  const role = o.role;
  if (role !== 'admin' && role !== 'staff') throw usageError('INVALID_ROLE', '--role must be admin or staff');
  const out = await withRuntime(async (rt) => {
    const practice = await selectPractice(rt, o.practice);
    let user;
    if (o.user) user = await resolveUser(rt, practice.id, o.user);
    else {
      // Without --user the token acts for the first active owner.
      user = (await listUsers(rt.database.db, practice.id)).find((u) => u.role === 'owner' && u.status === 'active');
      if (!user) throw new CliError('USER_NOT_FOUND', 'no active owner: name a user with --user');
    }
    if (role === 'admin' && !roleAtLeast(user.role, 'admin')) throw new CliError('ROLE_TOO_HIGH', 'an admin token needs an owner or admin user');
    const { token, info } = await createApiToken(rt.database.db, practice.id, user.id, role, o.label ?? 'cli', CLI_ACTOR);
    return { token, id: info.id, userId: info.userId, role: info.role, practiceId: practice.id };
  });
  if (o.json) printJson(out);
  else printLines([`API token (shown once): ${out.token}`, `id ${out.id}, role ${out.role}, user ${out.userId}`]);
  return 0;
}
