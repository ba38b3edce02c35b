import type { Static } from '@sinclair/typebox';
import type { User } from '../../../directory/index.ts';
import type { UserView } from './schema.ts';

export function presentUser(u: User): Static<typeof UserView> {
  return { id: u.id, email: u.email, displayName: u.displayName, role: u.role, status: u.status, extension: u.extension, createdAt: u.createdAt };
}
