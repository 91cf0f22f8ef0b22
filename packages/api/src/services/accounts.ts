// Accounts: creating them, finding them for sign-in, changing them.
import { hashPassword, type SessionUser, sessionUserColumns } from '@conduit/auth';
import {
  and,
  type Database,
  emailIs,
  eq,
  ne,
  or,
  type Role,
  type SQL,
  sql,
  uniqueViolation,
  usernameIs,
  users,
} from '@conduit/db';
import { conflict, type FieldErrors } from '../errors';

/** What an account looks like to its owner and to admins: the same columns a session reads. */
export const accountColumns = sessionUserColumns;

/** An account as its owner and admins see it. */
export type Account = SessionUser;

const takenMessages: Record<string, FieldErrors> = {
  users_email_lower_key: { email: ['is already taken'] },
  users_username_lower_key: { username: ['is already taken'] },
};

const TAKEN = ['is already taken'];

/**
 * Refuses an email and a username held by another account in one 409 that names both, so a form
 * shows every clash at once rather than one per attempt. One indexed query before the write; the
 * unique indexes still decide under a race (refusingTaken), naming the field they caught.
 */
export async function refuseTaken(
  db: Database,
  wanted: { email?: string | undefined; username?: string | undefined },
  exceptId?: number,
) {
  const clashes: SQL[] = [];
  if (wanted.email !== undefined) clashes.push(emailIs(wanted.email));
  if (wanted.username !== undefined) clashes.push(usernameIs(wanted.username));
  if (clashes.length === 0) return;
  const rows = await db
    .select({
      email: wanted.email === undefined ? sql<boolean>`false` : emailIs(wanted.email),
      username: wanted.username === undefined ? sql<boolean>`false` : usernameIs(wanted.username),
    })
    .from(users)
    .where(and(or(...clashes), exceptId === undefined ? undefined : ne(users.id, exceptId)));
  const taken: FieldErrors = {};
  if (rows.some((row) => row.email)) taken.email = TAKEN;
  if (rows.some((row) => row.username)) taken.username = TAKEN;
  if (Object.keys(taken).length > 0) throw conflict(taken);
}

/** Runs a write, turning a clash with an existing email or username into a 409 naming the field. */
async function refusingTaken<T>(write: () => Promise<T>): Promise<T> {
  try {
    return await write();
  } catch (error) {
    const taken = takenMessages[uniqueViolation(error) ?? ''];
    if (taken) throw conflict(taken);
    throw error;
  }
}

/**
 * Creates the account; `alongside` runs in the same transaction (the verification mail exists
 * exactly when the account does). The password is hashed before the transaction opens, so no
 * connection is held while it is (on the embedded database, that would hold up every request).
 */
export async function createAccount(
  db: Database,
  input: { email: string; username: string; password: string },
  alongside?: (tx: Database, account: Account) => Promise<void>,
) {
  // Before the hash: a taken name or address costs no hashing, and both are named at once.
  await refuseTaken(db, input);
  const passwordHash = await hashPassword(input.password);
  return db.transaction(async (tx) => {
    const [account] = await refusingTaken(() =>
      tx
        .insert(users)
        .values({ email: input.email, username: input.username, passwordHash })
        .returning(accountColumns),
    );
    if (!account) throw new Error('insert returned no row');
    await alongside?.(tx, account);
    return account;
  });
}

export async function findAccountByUsername(db: Database, username: string) {
  const [account] = await db.select(accountColumns).from(users).where(usernameIs(username));
  return account;
}

/**
 * The account with this email (any case), with what signing in decides on: its password hash,
 * whether it is disabled and whether it has a second factor, in the one query.
 */
export async function findCredentials(db: Database, email: string) {
  const [row] = await db
    .select({
      ...accountColumns,
      passwordHash: users.passwordHash,
      disabledAt: users.disabledAt,
      totpEnabledAt: users.totpEnabledAt,
    })
    .from(users)
    .where(emailIs(email));
  return row;
}

export async function updateAccount(
  db: Database,
  id: number,
  changes: {
    email?: string | undefined;
    username?: string | undefined;
    bio?: string | null | undefined;
    image?: string | null | undefined;
    passwordHash?: string | undefined;
  },
) {
  const [account] = await refusingTaken(() =>
    db
      .update(users)
      .set({ ...changes, updatedAt: sql`now()` })
      .where(eq(users.id, id))
      .returning(accountColumns),
  );
  if (!account) throw new Error(`account ${id} vanished during update`);
  return account;
}

export async function setAccountRole(db: Database, id: number, role: Role) {
  await db.update(users).set({ role, updatedAt: sql`now()` }).where(eq(users.id, id));
}
