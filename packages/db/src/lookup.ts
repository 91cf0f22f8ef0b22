import { type SQL, sql } from 'drizzle-orm';
import { users } from './schema/users';

/**
 * Conditions that find a user whatever the case typed, in the exact form of the unique indexes on
 * `lower(username)` and `lower(email)`, so the lookup is an index probe.
 */
export const usernameIs = (username: string): SQL =>
  sql`lower(${users.username}) = lower(${username})`;
export const emailIs = (email: string): SQL => sql`lower(${users.email}) = lower(${email})`;
