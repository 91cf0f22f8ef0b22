// Roles are ranked: each one has every right of the roles below it.
import type { Role } from '@conduit/db';

export { type Role, roles } from '@conduit/db';

const rank: Record<Role, number> = { user: 0, moderator: 1, admin: 2 };

/** Whether someone with role `actual` may do what needs `required` (admin ⊇ moderator ⊇ user). */
export function hasRole(actual: Role, required: Role): boolean {
  return rank[actual] >= rank[required];
}
