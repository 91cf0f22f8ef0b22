// Command-line options of `pnpm db:seed`, parsed and checked (kept apart from the CLI to be testable).
import { parseArgs } from 'node:util';

export interface SeedCliOptions {
  users: number;
  articles: number;
  seed: number;
  ifEmpty: boolean;
  help: boolean;
}

export type ParsedSeedArgs = { ok: true; options: SeedCliOptions } | { ok: false; error: string };

export const seedUsage = `Usage: pnpm db:seed [options]

Fills the database with demo data: users, follows, articles with tags, favorites and comments.
The same options and --seed always give the same data. Every seeded account's password is
"conduit-demo". On a database that already has data the seed adds beside it (seeded usernames
avoid names in use, clashing slugs get a suffix); use --if-empty to leave such a database alone.

Options:
  --users N      accounts to create (default 200)
  --articles N   articles to create (default 1000)
  --seed N       seed of the random generator (default 42)
  --if-empty     do nothing if the database already has users
  -h, --help     show this help

Database: PostgreSQL at DATABASE_URL when set, else the embedded database in the folder
PGLITE_DIR (default .data/pglite). Migrations are applied first. Half of the accounts get a
picture the site draws itself, at PUBLIC_ORIGIN (default http://localhost:PORT, PORT 3000).`;

/** Upper bounds that catch a typo (an extra zero or two) before it runs for hours. */
const limits = { users: 1_000_000, articles: 10_000_000, seed: Number.MAX_SAFE_INTEGER } as const;

export function parseSeedArgs(argv: readonly string[]): ParsedSeedArgs {
  let values: Record<string, string | boolean | undefined>;
  try {
    ({ values } = parseArgs({
      args: [...argv],
      options: {
        users: { type: 'string' },
        articles: { type: 'string' },
        seed: { type: 'string' },
        'if-empty': { type: 'boolean' },
        help: { type: 'boolean', short: 'h' },
      },
      strict: true,
      allowPositionals: false,
    }));
  } catch (error) {
    return { ok: false, error: describeParseError(error) };
  }

  const numbers = { users: 200, articles: 1000, seed: 42 };
  for (const key of ['users', 'articles', 'seed'] as const) {
    const raw = values[key];
    if (typeof raw !== 'string') continue;
    if (!/^\d+$/.test(raw)) {
      return { ok: false, error: `--${key} must be a whole number >= 0, got '${raw}'` };
    }
    const value = Number(raw);
    if (value > limits[key]) {
      return {
        ok: false,
        error: `--${key} must be at most ${limits[key].toLocaleString('en-US')}, got ${raw}`,
      };
    }
    numbers[key] = value;
  }
  if (numbers.articles > 0 && numbers.users < 1) {
    return { ok: false, error: '--users must be at least 1 when there are articles to write' };
  }
  return {
    ok: true,
    options: { ...numbers, ifEmpty: values['if-empty'] === true, help: values.help === true },
  };
}

/** Turns node's parseArgs errors into one short line that names the option. */
function describeParseError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  const code = error instanceof Error && 'code' in error ? error.code : undefined;
  const name = /'(-{1,2}[\w-]+)/.exec(message)?.[1];
  const positional = /'([^']*)'/.exec(message)?.[1];
  if (code === 'ERR_PARSE_ARGS_UNKNOWN_OPTION' && name)
    return `unknown option ${name} (see --help)`;
  if (code === 'ERR_PARSE_ARGS_INVALID_OPTION_VALUE' && name) {
    return message.includes('does not take')
      ? `option ${name} takes no value`
      : `option ${name} needs a value`;
  }
  if (code === 'ERR_PARSE_ARGS_UNEXPECTED_POSITIONAL') {
    return `unexpected argument '${positional ?? ''}' (options start with --; see --help)`;
  }
  return message;
}
