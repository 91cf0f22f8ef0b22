// Makes the first admin: `pnpm admin <username-or-email>` promotes an existing account;
// `pnpm admin --create --email E --username U` creates an admin account, with the password taken
// from ADMIN_PASSWORD or asked on the terminal. `--disable <who> [--reason R]` and `--enable <who>`
// disable an account (every session ended) or enable it again, as admins do on the web (decision
// 021). Exit codes: 0 done, 1 failed, 2 bad usage.
import { parseArgs } from 'node:util';
import { createDb, type PubSub } from '@conduit/db';
import { cliEnvironment } from '@conduit/db/cli-env';
import type { SessionCopies } from '../ending-sessions';
import { PASSWORD_MAX_LENGTH, PASSWORD_MIN_LENGTH } from '../passwords';
import { copiesKeptByServers } from '../session-notices';
import { createAdmin, type DisableResult, promoteToAdmin, setDisabled } from './admin-actions';
import { PromptCancelled, promptHidden } from './prompt';

const USAGE =
  'Usage: pnpm admin <username-or-email> | --create --email <email> --username <username> | --disable <username-or-email> [--reason <text>] | --enable <username-or-email>';

/** A one-line failure and the exit code that goes with it. */
class CliError extends Error {
  constructor(
    message: string,
    readonly exitCode: 1 | 2,
  ) {
    super(message);
  }
}

type Command =
  | { kind: 'promote'; who: string }
  | { kind: 'create'; email: string; username: string }
  | { kind: 'disable'; who: string; reason: string | undefined }
  | { kind: 'enable'; who: string; reason?: undefined };

function parseCommand(args: string[]): Command {
  let parsed: ReturnType<typeof parseArgsStrict>;
  try {
    parsed = parseArgsStrict(args);
  } catch (error) {
    // Node's message goes on to explain `--`; its first sentence says what was wrong.
    const reason = (error instanceof Error ? error.message : String(error)).split('. ')[0];
    throw new CliError(`${reason}. ${USAGE}`, 2);
  }
  const { values, positionals } = parsed;
  const toggles = [values.disable, values.enable].filter((who) => who !== undefined);
  if (toggles.length > 0) {
    const [who] = toggles;
    const others = values.create || values.email || values.username || positionals.length > 0;
    if (toggles.length > 1 || others || !who) throw new CliError(USAGE, 2);
    if (values.reason !== undefined && values.enable !== undefined) throw new CliError(USAGE, 2);
    if (values.reason !== undefined && values.reason.length > 500) {
      throw new CliError('A reason is at most 500 characters', 2);
    }
    return values.disable !== undefined
      ? { kind: 'disable', who, reason: values.reason }
      : { kind: 'enable', who };
  }
  if (values.reason !== undefined) throw new CliError(USAGE, 2);
  if (values.create) {
    const { email, username } = values;
    if (positionals.length > 0 || !email || !username) throw new CliError(USAGE, 2);
    if (email.length > 254 || !/^[^\s@]+@[^\s@]+$/.test(email)) {
      throw new CliError(`Not an email address: ${JSON.stringify(email)}`, 2);
    }
    if (!/^[A-Za-z0-9_-]{1,32}$/.test(username)) {
      throw new CliError('A username is 1 to 32 letters, digits, "_" or "-"', 2);
    }
    return { kind: 'create', email, username };
  }
  const [who, ...rest] = positionals;
  if (!who || rest.length > 0 || values.email || values.username) throw new CliError(USAGE, 2);
  return { kind: 'promote', who };
}

function parseArgsStrict(args: string[]) {
  return parseArgs({
    args,
    allowPositionals: true,
    strict: true,
    options: {
      create: { type: 'boolean' },
      email: { type: 'string' },
      username: { type: 'string' },
      disable: { type: 'string' },
      enable: { type: 'string' },
      reason: { type: 'string' },
    },
  });
}

async function readPassword(): Promise<string> {
  let password = cliEnvironment().adminPassword;
  if (password === undefined) {
    try {
      password = await promptHidden('Password for the new admin: ');
      if ((await promptHidden('Repeat it: ')) !== password) {
        throw new CliError('The passwords differ', 2);
      }
    } catch (error) {
      if (!(error instanceof PromptCancelled)) throw error;
      throw new CliError(error.message, 2);
    }
  }
  const length = [...password].length;
  if (length < PASSWORD_MIN_LENGTH || length > PASSWORD_MAX_LENGTH) {
    throw new CliError(
      `A password must be ${PASSWORD_MIN_LENGTH} to ${PASSWORD_MAX_LENGTH} characters long`,
      2,
    );
  }
  return password;
}

/**
 * The running servers' copies of sessions, told through the database. Not reaching them (the
 * connection lost just after the commit) is said, but the promotion stands: their copies expire
 * within CACHE_TTL_MS.
 */
function copiesOfRunningServers(pubsub: PubSub): SessionCopies {
  const servers = copiesKeptByServers(pubsub);
  return {
    forget: (sessionIds) =>
      servers.forget(sessionIds).catch((error: unknown) => {
        const reason = error instanceof Error ? error.message : String(error);
        console.error(
          `Could not tell the running servers (${reason}): until their cached copies expire ` +
            '(CACHE_TTL_MS), they may still accept the ended sessions',
        );
      }),
  };
}

async function run(command: Command, password: string | undefined): Promise<string> {
  // Where to connect: the same variables, and the same .env file, as the server and `pnpm db:migrate`.
  const conn = await createDb({ ...cliEnvironment().database, poolMax: 1 });
  try {
    await conn.migrate();
    if (command.kind === 'disable' || command.kind === 'enable') {
      return describeToggle(
        command.who,
        command.kind,
        await setDisabled(
          conn.db,
          command.who,
          command.kind === 'disable',
          copiesOfRunningServers(conn),
          command.reason,
        ),
      );
    }
    if (command.kind === 'promote') {
      const result = await promoteToAdmin(conn.db, command.who, copiesOfRunningServers(conn));
      if (result.outcome === 'unknown') {
        throw new CliError(`No user has the username or email ${JSON.stringify(command.who)}`, 1);
      }
      if (result.outcome === 'unchanged') return `${result.username} is already an admin`;
      const ended = `${result.endedSessions} session${result.endedSessions === 1 ? '' : 's'}`;
      return `${result.username} is now an admin (was ${result.from}); ended ${ended}`;
    }
    const result = await createAdmin(conn.db, { ...command, password: password ?? '' });
    if (result.outcome === 'taken') {
      throw new CliError(`An account with that ${result.field} already exists`, 1);
    }
    return `Created admin ${result.username} (id ${result.id})`;
  } finally {
    await conn.close();
  }
}

function describeToggle(who: string, kind: 'disable' | 'enable', result: DisableResult): string {
  if (result.outcome === 'unknown') {
    throw new CliError(`No user has the username or email ${JSON.stringify(who)}`, 1);
  }
  if (result.outcome === 'last-admin') {
    throw new CliError(`${result.username} is the last active admin and cannot be disabled`, 1);
  }
  if (result.outcome === 'unchanged') return `${result.username} is already ${kind}d`;
  if (kind === 'enable') return `${result.username} is enabled: they may sign in again`;
  const ended = `${result.endedSessions} session${result.endedSessions === 1 ? '' : 's'}`;
  return `${result.username} is disabled; ended ${ended}`;
}

async function main(args: string[]): Promise<number> {
  try {
    const command = parseCommand(args);
    const password = command.kind === 'create' ? await readPassword() : undefined;
    console.log(await run(command, password));
    return 0;
  } catch (error) {
    if (error instanceof CliError) {
      console.error(error.message);
      return error.exitCode;
    }
    console.error(`admin: ${error instanceof Error ? error.message : String(error)}`);
    return 1;
  }
}

process.exitCode = await main(process.argv.slice(2));
